using MlNetConv.Geometry;
using MlNetConv.Graphs;
using MlNetConv.Layers;
using MlNetConv.Optimizers;
using MlNetConv.Tensors;
using MlNetConv.Training;
using MlNetConv.Zoo;

namespace MlNetConv.Onnx.Tests;

/// <summary>Exported networks give ONNX Runtime's outputs within <see cref="OnnxRuntimeOracle.Tolerance"/>; others refuse clearly.</summary>
public sealed class OnnxExportTests
{
    [Fact]
    public void LeNet5MatchesOnnxRuntime()
    {
        using var network = new Network(Architectures.LeNet5(), new Shape(1, 28, 28), seed: 1);
        Train(network, classes: 10);
        OnnxRuntimeOracle.AssertMatches(network, batch: 4);
    }

    [Fact]
    public void TrainedResNetMatchesOnnxRuntime()
    {
        // A few training steps move BatchNorm's running statistics away from (0, 1), so inference form is really tested.
        using var network = new Network(Architectures.ResNet(18, 10, width: 8), new Shape(3, 32, 32), seed: 2);
        Train(network, classes: 10);
        var bn = (BatchNorm)Network.Flatten(network.Root).First(l => l is BatchNorm);
        Assert.Contains(bn.RunningVar.Value.ToArray(), v => Math.Abs(v - 1f) > 1e-3f);
        OnnxRuntimeOracle.AssertMatches(network, batch: 3);
    }

    [Fact]
    public void CifarResNetMatchesOnnxRuntime()
    {
        using var network = new Network(Architectures.CifarResNet(20), new Shape(3, 32, 32), seed: 3);
        Train(network, classes: 10);
        OnnxRuntimeOracle.AssertMatches(network, batch: 2);
    }

    [Fact]
    public void ConvolutionAndPoolingAttributesMatchOnnxRuntime()
    {
        // Stride, asymmetric-free padding with dilation, groups, leaky ReLU, tanh, padded average pooling (count_include_pad),
        // a concatenation with a padded max pool, sigmoid, dropout (omitted) and a dense layer.
        var architecture = new NetworkBuilder()
            .Conv2d(8, 3, stride: 2, padding: 2, dilation: 2).BatchNorm2d().LeakyReLU(0.1f)
            .Conv2d(8, 3, padding: 1, groups: 4).Tanh()
            .AvgPool2d(3, 2, padding: 1)
            .Concat("mix", b => b.Conv2d(4, 1), b => b.MaxPool2d(3, 1, padding: 1))
            .Sigmoid().Dropout(0.3f).Flatten().Dense(5)
            .Build("attributes");
        using var network = new Network(architecture, new Shape(3, 17, 19), seed: 4);
        Train(network, classes: 5);
        OnnxRuntimeOracle.AssertMatches(network, batch: 2);
    }

    [Theory]
    [InlineData("max_drops_last_window")]
    [InlineData("avg_overhang_counting_padding")]
    [InlineData("avg_overhang_not_counting_padding")]
    public void CeilModePoolingMatchesOnnxRuntime(string name)
    {
        // On 5x5, window 2, stride 2, padding 1, ceil mode would add a window starting in the end padding: PyTorch's rule
        // (and this engine's) drops it. On 6x6, window 3, stride 2, padding 1, ceil mode keeps a last window that reaches
        // one past the padding, and an average counting padding divides by the window clipped to the padding.
        var (pool, size) = name switch
        {
            "max_drops_last_window" => ((ILayer)new MaxPool2d(2, 2, padding: 1, ceilMode: true), 5),
            "avg_overhang_counting_padding" => (new AvgPool2d(3, 2, padding: 1, ceilMode: true), 6),
            _ => (new AvgPool2d(3, 2, padding: 1, ceilMode: true, countIncludePad: false), 6),
        };
        using var network = new Network(new NetworkBuilder().Add(pool).Flatten().Dense(3).Build(name), new Shape(2, size, size), seed: 8);
        OnnxRuntimeOracle.AssertMatches(network, batch: 2);
    }

    [Fact]
    public void PerAxisWindowsWithBeginAndEndPaddingMatchOnnxRuntime()
    {
        // CNTK's ResNet-18 stem and pool pads, Inception's 1x7 and 7x1, same_lower with a dilation along one axis, averages
        // counting padding up to the padded end, and a ceil-mode window past the end padding (explicit zeros then).
        var plane = new NetworkBuilder()
            .Conv2d(4, 7, 2, Padding.FromPads(3, 3, 2, 2)).ReLU()                                  // (N, 4, 12, 10)
            .MaxPool2d(3, 2, Padding.FromPads(1, 1, 0, 0))                                         // (N, 4, 6, 5)
            .Conv2d(4, (1, 7), padding: (0, 3)).Conv2d(4, (7, 1), (2, 1), Padding.FromPads(3, 0, 2, 0)) // (N, 4, 3, 5)
            .Conv2d(4, (3, 2), padding: Padding.SameLower, dilation: (2, 1))                       // (N, 4, 3, 5)
            .AvgPool2d((3, 2), (1, 2), Padding.FromPads(1, 0, 2, 1))                               // (N, 4, 4, 3)
            .AvgPool2d((2, 3), (1, 2), Padding.FromPads(0, 1, 1, 0), ceilMode: true)               // (N, 4, 4, 2)
            .Flatten().Dense(3)
            .Build("axes");
        using (var network = new Network(plane, new Shape(3, 24, 21), seed: 10))
            OnnxRuntimeOracle.AssertMatches(network, batch: 2);

        var volume = new NetworkBuilder()
            .Conv3d(2, (3, 2, 2), (2, 1, 2), Padding.FromPads(1, 0, 1, 2, 1, 0), (1, 2, 1))        // (N, 2, 3, 5, 4)
            .MaxPool3d((2, 2, 1), (1, 2, 1), Padding.FromPads(1, 0, 0, 0, 1, 0))                   // (N, 2, 3, 3, 4)
            .Flatten().Dense(2)
            .Build("volume");
        using (var network = new Network(volume, new Shape(2, 5, 6, 7), seed: 11))
            OnnxRuntimeOracle.AssertMatches(network, batch: 2);
    }

    [Fact]
    public void ConnectionTableAndOneDimensionalLayersMatchOnnxRuntime()
    {
        var table = new NetworkBuilder()
            .Conv2d(6, 5).ReLU().Conv2d(16, 5, connections: ConnectionTable.LeNet5C3).GlobalMaxPool().Dense(3)
            .Build("table");
        using (var network = new Network(table, new Shape(2, 14, 14), seed: 5))
            OnnxRuntimeOracle.AssertMatches(network, batch: 2);

        var oneD = new NetworkBuilder().Conv1d(4, 3, padding: 1).ReLU().MaxPool1d(2).GlobalAvgPool().Dense(2).Build("sequence");
        using (var network = new Network(oneD, new Shape(2, 16), seed: 6))
            OnnxRuntimeOracle.AssertMatches(network, batch: 3);
    }

    [Fact]
    public void LayerNamedOutputBeforeTheEndKeepsTheModelValid()
    {
        var architecture = new NetworkBuilder().Flatten("output").Dense(4, name: "fc").Dropout(0.5f, "input").Build("names");
        using var network = new Network(architecture, new Shape(1, 3, 3), seed: 9);
        OnnxRuntimeOracle.AssertMatches(network, batch: 2);
    }

    [Fact]
    public void UnsupportedLayerNamesItselfAndItsType()
    {
        using var network = new Network(Architectures.LeNet5Classic(), new Shape(1, 32, 32), seed: 1);
        var error = Assert.Throws<NotSupportedException>(() => OnnxExport.ToBytes(network));
        Assert.Contains("'S2'", error.Message);
        Assert.Contains("Subsampling2d", error.Message);
    }

    [Fact]
    public void ModelDeclaresBatchAsSymbolicAndNamesInputAndOutput()
    {
        using var network = new Network(Architectures.LeNet5(), new Shape(1, 28, 28), seed: 1);
        var model = OnnxExport.ToBytes(network);
        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(model);
        var input = Assert.Single(session.InputMetadata);
        Assert.Equal("input", input.Key);
        Assert.Equal([-1, 1, 28, 28], input.Value.Dimensions);
        var output = Assert.Single(session.OutputMetadata);
        Assert.Equal("output", output.Key);
        Assert.Equal([-1, 10], output.Value.Dimensions);
    }

    /// <summary>Two epochs of SGD with momentum on 16 seeded random samples, batches of 8.</summary>
    private static void Train(Network network, int classes)
    {
        var random = new RandomStream(11);
        int count = 16;
        var features = Enumerable.Range(0, count * network.SampleShape.Size).Select(_ => random.NextFloat() * 2 - 1).ToArray();
        var labels = Enumerable.Range(0, count).Select(i => i % classes).ToArray();
        new Trainer(network, new TrainerOptions { Epochs = 2, BatchSize = 8, Seed = 1, Optimizer = new SgdOptions(0.05f, 0.9f) })
            .Fit(new InMemoryDataset(features, labels, network.SampleShape));
    }
}
