using Google.Protobuf;
using MlNetConv.Graphs;
using MlNetConv.Layers;
using MlNetConv.Optimizers;
using MlNetConv.Persistence;
using MlNetConv.Summary;
using MlNetConv.Tensors;
using MlNetConv.Training;
using MlNetConv.Tests.Shared;
using Onnx;
using static MlNetConv.Onnx.OnnxProtos;

namespace MlNetConv.Onnx.Tests;

/// <summary>
/// Split, Slice, Transpose, Gather, broadcasting arithmetic, Gemm with transA, reflect and edge Pad and LRN of an even
/// size on tensors the network computes (not constants): small graphs as exporters write them, imported and run beside
/// ONNX Runtime, then saved and loaded, and exported again.
/// </summary>
public sealed class ComputedTensorImportTests
{
    private static AttributeProto A(string name, long value) => Attribute(name, value);
    private static AttributeProto A(string name, params int[] values) => Attribute(name, values);
    private static AttributeProto A(string name, float value) => Attribute(name, value);
    private static AttributeProto S(string name, string value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    /// <summary>name → the model; every graph reads x (N, sample...) and may have several outputs.</summary>
    private static readonly Dictionary<string, Func<OnnxGraph>> Definitions = new()
    {
        // ResNetPreprocess's form: Split of RGB (opset 8 attribute), Concat as BGR.
        ["split_rgb_concat_bgr_opset8"] = () => new OnnxGraph(8, [3, 4, 5]).Then(g =>
        {
            var rgb = g.Ops("Split", ["x"], 3, A("axis", 1L), A("split", 1, 1, 1));
            g.Output(g.Op("Concat", [rgb[2], rgb[1], rgb[0]], A("axis", 1L)));
        }),
        ["split_input_unequal_opset13"] = () => new OnnxGraph(13, [6, 3, 2]).Then(g =>
        {
            var parts = g.Ops("Split", ["x", g.Ints(1, 3, 2)], 3, A("axis", 1L));
            g.Output(parts[0]);
            g.Output(g.Op("Relu", [parts[2]]));
            g.Output(g.Op("Sigmoid", [parts[1]]));
        }),
        ["split_num_outputs_height_opset18"] = () => new OnnxGraph(18, [2, 7, 3]).Then(g =>
        {
            var parts = g.Ops("Split", ["x"], 3, A("axis", 2L), A("num_outputs", 3L));
            foreach (var part in parts) g.Output(g.Op("Tanh", [part]));
        }),
        ["split_equal_width_unused_part_opset11"] = () => new OnnxGraph(11, [2, 3, 6]).Then(g =>
        {
            var parts = g.Ops("Split", ["x"], 3, A("axis", -1L));
            g.Output(g.Op("Add", [parts[0], parts[2]]));
        }),
        ["slice_channels_and_crop_opset13"] = () => new OnnxGraph(13, [5, 4, 4]).Then(g =>
            g.Output(g.Op("Slice", ["x", g.Ints(1, 1), g.Ints(4, 3), g.Ints(1, 3)]))),
        ["slice_features_opset10"] = () => new OnnxGraph(10, [7]).Then(g =>
            g.Output(g.Op("Slice", ["x", g.Ints(-5), g.Ints(6), g.Ints(1)]))),
        ["transpose_to_channels_last"] = () => new OnnxGraph(13, [3, 4, 5]).Then(g =>
            g.Output(g.Op("Relu", [g.Op("Transpose", ["x"], A("perm", 0, 2, 3, 1))]))),
        ["transpose_back_and_forth_3d"] = () => new OnnxGraph(13, [2, 3, 4, 2]).Then(g =>
        {
            var t = g.Op("Transpose", ["x"], A("perm", 0, 3, 1, 4, 2));
            g.Output(g.Op("Conv", [t, g.Floats(2, 4, 1, 1, 1)]));
        }),
        ["gather_channel_scalar"] = () => new OnnxGraph(13, [4, 3, 3]).Then(g =>
            g.Output(g.Op("Gather", ["x", g.Scalar(2)], A("axis", 1L)))),
        ["gather_repeated_channels"] = () => new OnnxGraph(13, [3, 2, 2]).Then(g =>
            g.Output(g.Op("Gather", ["x", g.Ints(2, 0, 2, 1)], A("axis", 1L)))),
        ["gather_width_negative_2d_indices"] = () => new OnnxGraph(11, [2, 5]).Then(g =>
            g.Output(g.Op("Gather", ["x", g.IntMatrix([2, 2], -1, 0, 3, 3)], A("axis", 2L)))),
        ["gather_consecutive_height"] = () => new OnnxGraph(13, [2, 6, 3]).Then(g =>
            g.Output(g.Op("Gather", ["x", g.Ints(2, 3, 4)], A("axis", -2L)))),
        ["transpose_then_gemm_trans_a"] = () => new OnnxGraph(13, [6]).Then(g =>
        {
            var t = g.Op("Transpose", ["x"], A("perm", 1, 0));
            g.Output(g.Op("Gemm", [t, g.Floats(6, 4), g.Floats(4)], A("transA", 1L), A("alpha", 0.5f)));
        }),
        ["squeeze_excitation_gate"] = () => new OnnxGraph(13, [4, 5, 5]).Then(g => g.Output(g.SqueezeExcitation("x", 4))),
        // y.expand_as(x): Expand of the gate to Shape(x), then a product of one shape.
        ["expand_as_then_mul"] = () => new OnnxGraph(13, [3, 4, 2]).Then(g =>
        {
            var gate = g.Op("Sigmoid", [g.Op("GlobalAveragePool", ["x"])]);
            g.Output(g.Op("Mul", ["x", g.Op("Expand", [gate, g.Op("Shape", ["x"])])]));
            g.Output(g.Op("Expand", [g.Op("Relu", ["x"]), g.Ints(1, 3, 1, 1)]));
        }),
        ["broadcast_sub_div_add_of_computed"] = () => new OnnxGraph(13, [3, 4, 4]).Then(g =>
        {
            var single = g.Op("Conv", ["x", g.Floats(1, 3, 1, 1)]);                 // (N, 1, H, W)
            var pooled = g.Op("GlobalAveragePool", ["x"]);                          // (N, C, 1, 1)
            g.Output(g.Op("Sub", ["x", single]));
            g.Output(g.Op("Div", ["x", g.Op("Add", [g.Op("Sigmoid", [single]), g.Floats(1)])]));
            g.Output(g.Op("Add", [pooled, single]));
            g.Output(g.Op("Sum", [pooled, "x", single]));
        }),
        ["pad_reflect_opset11"] = () => new OnnxGraph(11, [2, 4, 5]).Then(g =>
            g.Output(g.Op("Pad", ["x", g.Ints(0, 0, 2, 1, 0, 0, 3, 4)], S("mode", "reflect")))),
        ["pad_edge_attribute_opset7"] = () => new OnnxGraph(7, [2, 3, 4]).Then(g =>
            g.Output(g.Op("Pad", ["x"], A("pads", 0, 0, 4, 0, 0, 0, 1, 2), S("mode", "edge")))),
        ["pad_edge_1d_axes_opset18"] = () => new OnnxGraph(18, [2, 3]).Then(g =>
            g.Output(g.Op("Pad", ["x", g.Ints(2, 5), "", g.Ints(-1)], S("mode", "edge")))),
        ["pad_reflect_3d_opset13"] = () => new OnnxGraph(13, [1, 3, 3, 4]).Then(g =>
            g.Output(g.Op("Pad", ["x", g.Ints(0, 0, 1, 2, 0, 0, 0, 2, 1, 3)], S("mode", "reflect")))),
    };

    public static TheoryData<string> Cases => [.. Definitions.Keys];

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesOnnxRuntime(string name)
    {
        var graph = Definitions[name]();
        var model = graph.Build(name);
        using var network = OnnxImport.FromBytes(model);
        var input = graph.Input(batch: 3, seed: 5);
        AssertClose(OnnxRuntimeCheck.Outputs(model, "x", input, graph.InputDims(3)), Outputs(network, input, 3), 1e-5, "ONNX Runtime");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void SavesLoadsAndExportsAgain(string name)
    {
        var graph = Definitions[name]();
        using var network = OnnxImport.FromBytes(graph.Build(name));
        var input = graph.Input(batch: 2, seed: 6);
        var expected = Outputs(network, input, 2);

        using var loaded = ModelFile.FromBytes(ModelFile.ToBytes(network)).Network;
        Assert.Equal(network.Parameters.Select(p => p.Name), loaded.Parameters.Select(p => p.Name));
        AssertClose(expected, Outputs(loaded, input, 2), 0, "the loaded model");

        var exported = OnnxExport.ToBytes(network);
        AssertClose(expected, OnnxRuntimeCheck.Outputs(exported, input, graph.InputDims(2)), 1e-5, "ONNX Runtime on the export");
        using var again = OnnxImport.FromBytes(exported);
        AssertClose(expected, Outputs(again, input, 2), 1e-6, "the export imported again");
        Assert.Equal(network.ParameterCount, ModelSummary.Of(again).TotalParameters);
    }

    [Fact]
    public void ComputedTensorsBecomeTheNewLayers()
    {
        Layer[] Layers(string name) => Network.Flatten(OnnxImport.FromBytes(Definitions[name]().Build(name)).Root).OfType<Layer>().ToArray();
        var split = Layers("split_rgb_concat_bgr_opset8").OfType<Narrow>().ToArray();
        Assert.Equal([0, 1, 2], split.Select(n => n.Start));
        Assert.All(split, n => Assert.Equal((1, 1), (n.Dim, n.Length)));
        Assert.Equal(2, Layers("split_equal_width_unused_part_opset11").OfType<Narrow>().Count());
        Assert.Equal([0, 2, 3, 1], Assert.Single(Layers("transpose_to_channels_last").OfType<Permute>()).Dims);
        Assert.Equal([2, 0, 2, 1], Assert.Single(Layers("gather_repeated_channels").OfType<IndexSelect>()).Index);
        var rows = Assert.Single(Layers("gather_consecutive_height").OfType<Narrow>());
        Assert.Equal((2, 2, 3), (rows.Dim, rows.Start, rows.Length));
        Assert.Single(Layers("pad_reflect_opset11").OfType<ReflectionPad>());
        Assert.Equal([3, 4, 2], Assert.Single(Layers("expand_as_then_mul").OfType<Expand>()).SampleShape);
        Assert.Single(Layers("pad_edge_attribute_opset7").OfType<ReplicationPad>());
        var product = Layers("transpose_then_gemm_trans_a");
        Assert.Single(product.OfType<Dense>());
        Assert.Empty(product.OfType<Permute>());
    }

    [Fact]
    public void ImportedSqueezeExcitationTrainsAndItsSummaryShowsTheGate()
    {
        var graph = new OnnxGraph(13, [4, 6, 6]).Then(g =>
        {
            var trunk = g.Op("Relu", [g.Op("Conv", ["x", g.Floats(4, 4, 3, 3), g.Floats(4)], A("pads", 1, 1, 1, 1))]);
            var gated = g.SqueezeExcitation(trunk, 4);
            var pooled = g.Op("Flatten", [g.Op("GlobalAveragePool", [gated])], A("axis", 1L));
            g.Output(g.Op("Gemm", [pooled, g.Floats(3, 4), g.Floats(3)], A("transB", 1L)));
        });
        using var network = OnnxImport.FromBytes(graph.Build("se"));
        var gate = Network.Flatten(network.Root).OfType<Graph>().SelectMany(r => r.Nodes).Select(n => n.Merge).OfType<Multiply>().Single();
        Assert.True(gate.Broadcasts);
        Assert.Contains("Multiply()", ModelSummary.Of(network).ToString());

        // Class k: channel k brighter on average, which the gate and the head can learn.
        var random = new RandomStream(3);
        const int count = 24, plane = 36;
        var labels = Enumerable.Range(0, count).Select(i => i % 3).ToArray();
        var features = Enumerable.Range(0, count * network.SampleShape.Size)
            .Select(i => random.NextFloat() * 2 - 1 + (i / plane % 4 == labels[i / (4 * plane)] ? 0.5f : 0f)).ToArray();
        var before = network.TrainableParameters.Select(p => p.Value.ToArray()).ToArray();
        var history = new Trainer(network, new TrainerOptions { Epochs = 15, BatchSize = 8, Seed = 1, Optimizer = new SgdOptions(0.1f, 0.9f) })
            .Fit(new InMemoryDataset(features, labels, network.SampleShape, 1)).History;
        Assert.True(history[^1].Loss < 0.5 * history[0].Loss, $"loss {history[0].Loss:G4} -> {history[^1].Loss:G4} did not fall to half: {string.Join(", ", history.Select(h => h.Loss.ToString("G3")))}");
        // Every weight moved, the excitation's two dense layers (before the broadcast gate) included.
        Assert.All(network.TrainableParameters.Zip(before), p => Assert.NotEqual(p.Second, p.First.Value.ToArray()));
    }

    /// <summary>
    /// ONNX Runtime refuses even sizes (it checks size % 2 == 1), so the oracle is the operator's definition: the sum over
    /// channels c - ⌊(size-1)/2⌋ … c + ⌈(size-1)/2⌉, one channel more after c than before. The layer exports to LRN again.
    /// </summary>
    [Theory]
    [InlineData(4, 0.3f, 0.75f, 1.5f)]
    [InlineData(2, 0.5f, 0.5f, 1f)]
    [InlineData(6, 2f, 0.6f, 2f)]
    public void LrnOfAnEvenSizeFollowsOnnxsWindow(int size, float alpha, float beta, float bias)
    {
        const int channels = 7, plane = 4, batch = 2;
        var graph = new OnnxGraph(13, [channels, 2, 2]).Then(g =>
            g.Output(g.Op("LRN", ["x"], A("size", (long)size), A("alpha", alpha), A("beta", beta), A("bias", bias))));
        using var network = OnnxImport.FromBytes(graph.Build("lrn"));
        var x = graph.Input(batch, seed: 8).Select(v => 3 * v).ToArray();
        var ours = network.Predict(x);
        for (int n = 0; n < batch; n++)
            for (int c = 0; c < channels; c++)
                for (int j = 0; j < plane; j++)
                {
                    double sum = 0;
                    for (int w = Math.Max(0, c - (size - 1) / 2); w <= Math.Min(channels - 1, c + size / 2); w++)
                        sum += Math.Pow(x[(n * channels + w) * plane + j], 2);
                    int at = (n * channels + c) * plane + j;
                    double expected = x[at] / Math.Pow(bias + alpha / size * sum, beta);
                    Assert.Equal(expected, ours[at], 1e-5 * Math.Max(1, Math.Abs(expected)));
                }
        using var again = OnnxImport.FromBytes(OnnxExport.ToBytes(network));
        Assert.Equal(ours, again.Predict(x));
        var lrn = Assert.Single(Network.Flatten(again.Root).OfType<LocalResponseNorm>());
        Assert.Equal(Geometry.ChannelWindow.Onnx(size), lrn.Window);
    }

    [Fact]
    public void WhatStaysUnsupportedIsNamed()
    {
        string Refused(int opset, int[] sample, Action<OnnxGraph> body) =>
            Assert.Throws<NotSupportedException>(() => OnnxImport.FromBytes(new OnnxGraph(opset, sample).Then(body).Build("refused"))).Message;

        Assert.Contains("splitting the batch axis", Refused(13, [4], g => g.Output(g.Ops("Split", ["x"], 2)[0])));
        Assert.Contains("moves the batch axis", Refused(13, [2, 3], g => g.Output(g.Op("Transpose", ["x"], A("perm", 1, 0, 2)))));
        Assert.Contains("gathering along the batch axis", Refused(13, [4], g => g.Output(g.Op("Gather", ["x", g.Ints(0)]))));
        Assert.Contains("transA = 1 of (2, 6)", Refused(13, [6], g => g.Output(g.Op("Gemm", ["x", g.Floats(2, 4)], A("transA", 1L)))));
        Assert.Contains("reads a transposed matrix", Refused(13, [6], g => g.Output(g.Op("Relu", [g.Op("Transpose", ["x"])]))));
        Assert.Contains("shapes that broadcast", Refused(13, [3, 4], g => g.Output(g.Op("Mul", ["x", g.Op("Flatten", ["x"])]))));
        Assert.Contains("keep its batch", Refused(13, [3], g => g.Output(g.Op("Expand", ["x", g.Ints(4, 2, 3)]))));
        Assert.Contains("mode 'wrap'", Refused(19, [2, 3], g => g.Output(g.Op("Pad", ["x", g.Ints(0, 0, 1, 0, 0, 1)], S("mode", "wrap")))));
        Assert.Contains("negative pads", Refused(13, [2, 3], g => g.Output(g.Op("Pad", ["x", g.Ints(0, 0, -1, 0, 0, 1)], S("mode", "edge")))));
        Assert.Contains("input 1 is computed from the network's input", Refused(13, [3, 2], g => g.Output(g.Op("Gather", ["x", g.Op("Relu", ["x"])], A("axis", 1L)))));
    }

    [Fact]
    public void TheFuzzersSeedOfComputedTensorsImportsAndTrains()
    {
        using var network = OnnxImport.FromBytes(OnnxModels.ComputedTensors());
        Assert.Equal([3], network.OutputShapes[0].Skip(1));
        var layers = Network.Flatten(network.Root).ToArray();
        Assert.Equal(2, layers.OfType<Narrow>().Count());
        Assert.Single(layers.OfType<IndexSelect>());
        Assert.Equal(2, layers.OfType<Permute>().Count());
        Assert.Single(layers.OfType<ReflectionPad>());
        var random = new RandomStream(2);
        var features = Enumerable.Range(0, 8 * network.SampleShape.Size).Select(_ => random.NextFloat() * 2 - 1).ToArray();
        var history = new Trainer(network, new TrainerOptions { Epochs = 3, BatchSize = 4, Seed = 1, Optimizer = new SgdOptions(0.05f) })
            .Fit(new InMemoryDataset(features, [0, 1, 2, 0, 1, 2, 0, 1], network.SampleShape, 1)).History;
        Assert.All(history, h => Assert.True(double.IsFinite(h.Loss)));
    }

    [Fact]
    public void BadSplitsAreInvalidNamingTheNode()
    {
        var error = Assert.Throws<InvalidDataException>(() => OnnxImport.FromBytes(new OnnxGraph(13, [5, 2]).Then(g =>
        {
            var parts = g.Ops("Split", ["x", g.Ints(2, 2)], 2, A("axis", 1L));
            g.Output(parts[0]);
        }).Build("bad")));
        Assert.Contains("(Split, opset 13)", error.Message);
        Assert.Contains("does not add up to the extent 5", error.Message);
        error = Assert.Throws<InvalidDataException>(() => OnnxImport.FromBytes(new OnnxGraph(13, [5, 2]).Then(g =>
            g.Output(g.Ops("Split", ["x"], 2, A("axis", 1L))[0])).Build("odd")));
        Assert.Contains("cannot split an extent of 5 into 2 equal parts", error.Message);
    }

    [Fact]
    public void SplitOfAConstantIsFolded()
    {
        var model = new OnnxGraph(13, [3, 2]).Then(g =>
        {
            var parts = g.Ops("Split", [g.Floats(5, 1), g.Ints(2, 3)], 2);
            g.Output(g.Op("Mul", ["x", parts[1]]));
        }).Build("folded");
        using var network = OnnxImport.FromBytes(model);
        var input = Enumerable.Range(0, 12).Select(i => 0.25f * i - 1f).ToArray();
        AssertClose(OnnxRuntimeCheck.Outputs(model, "x", input, [2, 3, 2]), [network.Predict(input)], 1e-6, "ONNX Runtime");
    }

    private static IReadOnlyList<float[]> Outputs(Network network, float[] input, int batch)
    {
        using var tensor = network.Backend.Allocate(network.InputShape.WithBatch(batch));
        tensor.CopyFrom(input);
        return network.ForwardAll(tensor).Select(t => t.ToArray()).ToArray();
    }

    /// <summary>Every output within <paramref name="tolerance"/> of the largest expected value.</summary>
    private static void AssertClose(IReadOnlyList<float[]> expected, IReadOnlyList<float[]> actual, double tolerance, string what)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Length, actual[i].Length);
            double scale = expected[i].Max(v => Math.Abs((double)v)), error = expected[i].Zip(actual[i]).Max(p => Math.Abs((double)p.First - p.Second));
            Assert.True(scale > 0, $"output {i} is all zeros");
            Assert.True(error <= tolerance * scale, $"output {i}: max |expected - {what}| = {error:G3} of {scale:G4}");
        }
    }
}
