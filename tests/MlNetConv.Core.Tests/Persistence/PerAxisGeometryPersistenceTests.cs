using System.Text.Json.Nodes;
using MlNetConv.Geometry;
using MlNetConv.Graphs;
using MlNetConv.Layers;
using MlNetConv.Persistence;
using MlNetConv.Tensors;
using MlNetConv.Tests.Support;

namespace MlNetConv.Tests.Persistence;

/// <summary>
/// Per-axis kernels, strides and dilations and begin and end padding survive the saved form of every convolution and
/// pooling layer; configurations saved before them (one value repeated per axis, symmetric padding as an int array or
/// an int) still load, as the same layers.
/// </summary>
public sealed class PerAxisGeometryPersistenceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mlnetconv-axes").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly Dictionary<string, (Func<ILayer> Create, Shape Sample)> Layers = new()
    {
        ["Conv1d_causal"] = (() => new Conv1d(3, 4, 2, Padding.FromPads(3, 0), 2), new Shape(2, 11)),
        ["Conv2d_cntk_stem"] = (() => new Conv2d(3, 7, 2, Padding.FromPads(3, 3, 2, 2), bias: false), new Shape(2, 11, 12)),
        ["Conv2d_1x7_same_lower_dilated"] = (() => new Conv2d(3, (1, 7), (1, 2), Padding.SameLower, (1, 2)), new Shape(2, 3, 16)),
        ["Conv3d_322"] = (() => new Conv3d(2, (3, 2, 2), (2, 1, 2), Padding.FromPads(1, 0, 2, 2, 1, 0), (1, 2, 1)), new Shape(2, 5, 4, 6)),
        ["ConvTranspose1d_pads"] = (() => new ConvTranspose1d(2, 4, 2, Padding.FromPads(1, 2)), new Shape(3, 4)),
        ["ConvTranspose2d_same"] = (() => new ConvTranspose2d(3, (1, 3), (1, 2), Padding.Same, dilation: (1, 2)), new Shape(2, 3, 4)),
        ["ConvTranspose3d_pads_outpad"] = (() => new ConvTranspose3d(2, (2, 3, 2), (2, 1, 2), Padding.FromPads(0, 1, 1, 1, 0, 0), (1, 0, 1)), new Shape(2, 2, 3, 2)),
        ["LocallyConnected2d_per_axis"] = (() => new LocallyConnected2d(2, (1, 3), (2, 1), Padding.FromPads(1, 1, 0, 2), (1, 2)), new Shape(2, 4, 5)),
        ["MaxPool1d_pads"] = (() => new MaxPool1d(4, 2, Padding.FromPads(2, 1), 2), new Shape(2, 11)),
        ["MaxPool2d_cntk_pads"] = (() => new MaxPool2d(3, 2, Padding.FromPads(1, 1, 0, 0)), new Shape(2, 8, 8)),
        ["MaxPool3d_322"] = (() => new MaxPool3d((3, 2, 2), (2, 1, 2), Padding.FromPads(1, 0, 1, 2, 1, 0), ceilMode: true), new Shape(2, 5, 4, 5)),
        ["AvgPool1d_same_lower"] = (() => new AvgPool1d(4, 1, Padding.SameLower, countIncludePad: false), new Shape(2, 7)),
        ["AvgPool2d_1x7"] = (() => new AvgPool2d((1, 7), 1, Padding.FromPads(0, 3, 0, 2)), new Shape(2, 3, 9)),
        ["AvgPool3d_same"] = (() => new AvgPool3d((3, 2, 2), (1, 2, 2), Padding.Same), new Shape(1, 4, 5, 4)),
        ["LPPool1d_pads_dilated"] = (() => new LPPool1d(2, 3, 2, padding: Padding.FromPads(1, 2), dilation: 2), new Shape(2, 9)),
        ["LPPool2d_1x3"] = (() => new LPPool2d(3, (1, 3), (1, 2), true, Padding.FromPads(0, 1, 0, 2)), new Shape(2, 3, 8)),
        ["LPPool3d_322"] = (() => new LPPool3d(2, (3, 2, 2), (1, 2, 2), padding: Padding.Same), new Shape(1, 4, 5, 4)),
        ["MaxUnpool2d_after_per_axis_pool"] = (() => new NetworkBuilder().MaxPool2d((3, 2), (2, 1), Padding.FromPads(1, 0, 0, 1), name: "pool")
            .Conv2d(2, 1).MaxUnpool2d("pool").Build(), new Shape(2, 7, 6)),
    };

    public static TheoryData<string> Names => new(Layers.Keys);

    [Theory, MemberData(nameof(Names))]
    public void SavedLayer_HasTheSameConfigurationAndOutputs(string name) => LayerRoundTrip.AssertSameLayer(Layers[name].Create(), Layers[name].Sample);

    [Fact]
    public void ModelFile_OfANetworkWithPerAxisLayers_LoadsWithTheSameOutputs()
    {
        using var network = new Network(new NetworkBuilder()
            .Conv2d(4, 7, 2, Padding.FromPads(3, 3, 2, 2), name: "stem")                      // (N, 4, 8, 7)
            .MaxPool2d(3, 2, Padding.FromPads(1, 1, 0, 0), name: "pool")                        // (N, 4, 4, 3)
            .Conv2d(4, (1, 3), padding: (0, 1), name: "conv1x3")                                // (N, 4, 4, 3)
            .Conv2d(4, (3, 1), padding: Padding.SameLower, dilation: (2, 1), name: "conv3x1")  // (N, 4, 4, 3)
            .AvgPool2d((2, 1), 1, Padding.FromPads(0, 0, 1, 0), countIncludePad: false, name: "avg") // (N, 4, 4, 3)
            .LPPool2d(2, (1, 2), 1, padding: Padding.FromPads(0, 1, 0, 0), name: "lp")          // (N, 4, 4, 3)
            .LocallyConnected2d(2, (2, 1), 1, Padding.FromPads(1, 0, 0, 0), name: "local")      // (N, 2, 4, 3)
            .ConvTranspose2d(3, (3, 2), (2, 1), Padding.FromPads(1, 0, 0, 1), outputPadding: (1, 0), name: "up") // (N, 3, 9, 3)
            .Flatten().Dense(3, name: "fc").Build(), new Shape(3, 16, 15), seed: 3);
        Assert.Equal(new Shape(1, 3, 9, 3), network.Root.Children[7].OutputShape.WithBatch(1));
        string path = Path.Combine(_dir, "axes.mlnc");
        var input = Enumerable.Range(0, 2 * 3 * 16 * 15).Select(i => MathF.Cos(0.3f * i)).ToArray();

        ModelFile.Save(path, network);
        var (loaded, _) = ModelFile.Load(path);

        using (loaded)
        {
            Assert.Equal(network.Predict(input), loaded.Predict(input));
            Assert.Equal(network.Root.Children.Select(c => c.ToString()), loaded.Root.Children.Select(c => c.ToString()));
        }
    }

    /// <summary>The configurations this engine wrote before per-axis geometry, copied from its WriteConfig methods.</summary>
    private static readonly Dictionary<string, (string Json, string Expected, Shape Sample)> OldConfigurations = new()
    {
        ["Conv2d"] = ("""{"type":"Conv2d","name":"c","config":{"outChannels":4,"kernelSize":[3,3],"stride":[2,2],"padding":{"mode":"Explicit","values":[1]},"dilation":[1,1],"groups":1,"bias":false}}""",
            "Conv2d(3, 4, kernel_size=3, stride=2, padding=1, bias=False)", new Shape(3, 7, 7)),
        ["Conv1d_same"] = ("""{"type":"Conv1d","name":"c","config":{"outChannels":2,"kernelSize":[4],"stride":[2],"padding":{"mode":"Same","values":[]},"dilation":[1],"groups":1,"bias":true}}""",
            "Conv1d(3, 2, kernel_size=4, stride=2, padding=same)", new Shape(3, 9)),
        ["MaxPool2d"] = ("""{"type":"MaxPool2d","name":"p","config":{"kernelSize":[3,3],"stride":[2,2],"padding":[1,1],"dilation":[1,1],"ceilMode":true,"countIncludePad":true}}""",
            "MaxPool2d(kernel_size=3, stride=2, padding=1, ceil_mode=True)", new Shape(3, 7, 7)),
        ["AvgPool3d"] = ("""{"type":"AvgPool3d","name":"p","config":{"kernelSize":[2,2,2],"stride":[2,2,2],"padding":[0,0,0],"dilation":[1,1,1],"ceilMode":false,"countIncludePad":false}}""",
            "AvgPool3d(kernel_size=2, count_include_pad=False)", new Shape(3, 4, 4, 4)),
        ["LPPool1d"] = ("""{"type":"LPPool1d","name":"p","config":{"normType":2,"kernelSize":[3],"stride":[2],"ceilMode":false}}""",
            "LPPool1d(2, kernel_size=3, stride=2)", new Shape(3, 9)),
        ["ConvTranspose2d"] = ("""{"type":"ConvTranspose2d","name":"u","config":{"outChannels":2,"kernelSize":[3,3],"stride":[2,2],"padding":[1,1],"outputPadding":[1,1],"dilation":[1,1],"groups":1,"bias":true}}""",
            "ConvTranspose2d(3, 2, kernel_size=3, stride=2, padding=1, output_padding=1)", new Shape(3, 4, 4)),
        ["LocallyConnected2d"] = ("""{"type":"LocallyConnected2d","name":"l","config":{"outChannels":3,"kernelSize":3,"stride":2,"padding":1,"bias":false}}""",
            "LocallyConnected2d(3, 3, kernel_size=3, stride=2, padding=1, bias=False)", new Shape(3, 5, 5)),
    };

    public static TheoryData<string> OldNames => new(OldConfigurations.Keys);

    [Theory, MemberData(nameof(OldNames))]
    public void ConfigurationSavedBeforePerAxisGeometry_LoadsAsTheSameLayer(string name)
    {
        var (json, expected, sample) = OldConfigurations[name];
        var layer = LayerRegistry.ReadLayer(JsonNode.Parse(json)!.AsObject());

        using var network = new Network(layer, sample, seed: 1);
        Assert.Equal(expected, layer.ToString());
        // Saved again, it takes the current form and reads back as the same layer.
        var again = LayerRegistry.ReadLayer(LayerRegistry.ToJson(layer));
        using var copy = new Network(again, sample, seed: 1);
        Assert.Equal(expected, again.ToString());
        var input = Enumerable.Range(0, sample.Size).Select(i => MathF.Sin(0.9f * i)).ToArray();
        Assert.Equal(network.Predict(input), copy.Predict(input));
    }

    [Fact]
    public void NetworkSavedBeforePerAxisGeometry_LoadsWithTheSameWindows()
    {
        // A chain as LeNet-like models were saved: symmetric pooling padding as an int array, stride as repeated values.
        const string json = """
            {"type":"Sequential","name":"","config":{"layers":[
              {"type":"Conv2d","name":"conv1","config":{"outChannels":2,"kernelSize":[3,3],"stride":[1,1],"padding":{"mode":"Explicit","values":[1]},"dilation":[1,1],"groups":1,"bias":true}},
              {"type":"MaxPool2d","name":"pool1","config":{"kernelSize":[3,3],"stride":[2,2],"padding":[1,1],"dilation":[1,1],"ceilMode":false,"countIncludePad":true}},
              {"type":"AvgPool2d","name":"pool2","config":{"kernelSize":[2,2],"stride":[2,2],"padding":[0,0],"dilation":[1,1],"ceilMode":true,"countIncludePad":true}}]}}
            """;
        var root = LayerRegistry.ReadLayer(JsonNode.Parse(json)!.AsObject());
        using var network = new Network(root, new Shape(1, 9, 9), seed: 1);

        var pool1 = Assert.IsType<MaxPool2d>(root.Children[1]);
        Assert.Equal(new Int3(0, 1, 1), pool1.Geometry.PadBegin);
        Assert.Equal(new Int3(0, 1, 1), pool1.Geometry.PadEnd);
        Assert.Equal(new Shape(1, 2, 3, 3), network.OutputShapes[0].WithBatch(1));
    }
}
