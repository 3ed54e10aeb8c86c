using MlNetConv.Geometry;
using MlNetConv.Graphs;
using MlNetConv.Layers;
using MlNetConv.Optimizers;
using MlNetConv.Preprocessing;
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
    public void LayersThatImportAddsExportAndMatchOnnxRuntime()
    {
        // Upsampling by a size (nearest) and by a factor (bilinear, with and without aligned corners), padding and cropping,
        // ReLU6, local response normalisation, a reshape, a transposed convolution and a channel softmax.
        var architecture = new NetworkBuilder()
            .Conv2d(4, 3).Add(new Hardtanh(0f, 6f)).Add(new Upsample([9, 11], UpsampleMode.Nearest))
            .Add(new ConstantPad([1, -2], [-1, 2], 0.5f)).Add(new LocalResponseNorm(3, 1e-2f, 0.75f, 2f, alphaOverSize: true))
            .Add(new Upsample(2.0, UpsampleMode.Linear)).Add(new Upsample([1.5, 2.0], null, UpsampleMode.Linear, alignCorners: true))
            .Add(new ConvTranspose2d(3, 3, stride: 2, padding: Padding.FromPads(1, 0, 0, 1), outputPadding: 1))
            .Add(new Reshape([3, 5, 11, 89])).Add(new Reshape([3, 55, 89])).Add(new Layers.Softmax())
            .Build("imported_layers");
        using var network = new Network(architecture, new Shape(2, 8, 7), seed: 3);
        OnnxRuntimeOracle.AssertMatches(network, batch: 2);
        using var imported = OnnxImport.FromBytes(OnnxExport.ToBytes(network));
        OnnxRuntimeOracle.AssertMatches(imported, batch: 2);
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

    [Fact]
    public void NormalizationIsTheEnginesArithmeticBitForBit()
    {
        // A network that only flattens: ONNX Runtime's output is the normalised input itself.
        var normalization = new ChannelNormalization([0.485f, 0.456f, 0.406f], [0.229f, 0.224f, 0.225f]);
        using var network = new Network(new NetworkBuilder().Flatten().Build("identity"), new Shape(3, 4, 5), seed: 1);
        var (ours, theirs) = OnnxRuntimeOracle.RunBoth(network, batch: 3, seed: 12, new OnnxExportOptions { Normalization = normalization });
        Assert.Equal(ours[0], theirs[0]);
    }

    [Fact]
    public void TrainedResNetWithNormalizationMatchesOnnxRuntime()
    {
        using var network = new Network(Architectures.ResNet(18, 10, width: 8), new Shape(3, 32, 32), seed: 2);
        Train(network, classes: 10);
        var options = new OnnxExportOptions { Normalization = ChannelNormalization.ImageNet };
        OnnxRuntimeOracle.AssertMatches(network, batch: 2, options: options);

        // Without the nodes ONNX Runtime computes something else from the same input, so the comparison above could fail.
        var withNodes = OnnxRuntimeOracle.RunBoth(network, batch: 2, seed: 7, options).Theirs[0];
        var withoutNodes = OnnxRuntimeOracle.RunBoth(network, batch: 2, seed: 7, options with { Normalization = null }).Theirs[0];
        Assert.True(withNodes.Zip(withoutNodes).Max(p => Math.Abs(p.First - p.Second)) > 1e-2f);
    }

    [Fact]
    public void OneStatisticForEveryChannelAndSoftmaxOverOneDimensionalOutputsMatchOnnxRuntime()
    {
        var architecture = new NetworkBuilder().Conv1d(4, 3, padding: 1).ReLU().Conv1d(3, 1).Build("per_position");
        using var network = new Network(architecture, new Shape(2, 9), seed: 6);
        var options = new OnnxExportOptions { Normalization = new ChannelNormalization([0.3f], [0.7f]), Softmax = true };
        OnnxRuntimeOracle.AssertMatches(network, batch: 3, options: options);
        var probabilities = OnnxRuntimeOracle.RunBoth(network, batch: 3, seed: 7, options).Theirs[0];
        // (3, classes 3, 9 positions): every position's probabilities over the classes sum to one.
        for (int n = 0; n < 3; n++)
            for (int x = 0; x < 9; x++)
                Assert.Equal(1.0, Enumerable.Range(0, 3).Sum(c => probabilities[(n * 3 + c) * 9 + x]), 5);
    }

    [Fact]
    public void SoftmaxOnEveryOutputOfAGraphWithTwoHeadsMatchesOnnxRuntime()
    {
        var g = new GraphBuilder();
        var trunk = g.Add(g.Input, new Conv2d(6, 3, padding: 1, name: "conv"), new ReLU("relu"));
        var main = g.Add(trunk, new GlobalAvgPool("pool"), new Dense(4, name: "fc"));
        var auxiliary = g.Add(trunk, new Flatten("flatten"), new Dense(5, name: "aux"));
        using var network = new Network(g.Build("two_heads", main, auxiliary), new Shape(3, 8, 8), seed: 4);
        Assert.Equal(2, network.OutputCount);
        OnnxRuntimeOracle.AssertMatches(network, batch: 2, options: new OnnxExportOptions { Softmax = true, Normalization = ChannelNormalization.ImageNet });
    }

    [Fact]
    public void NormalizationInitializersAreOnePerChannelBroadcastOverTheImage()
    {
        using var network = new Network(Architectures.LeNet5(), new Shape(1, 28, 28), seed: 1);
        var model = global::Onnx.ModelProto.Parser.ParseFrom(OnnxExport.ToBytes(network, new OnnxExportOptions { Normalization = ChannelNormalization.Mnist }));
        var mean = Assert.Single(model.Graph.Initializer, t => t.Name == "normalization.mean");
        var inverseStd = Assert.Single(model.Graph.Initializer, t => t.Name == "normalization.inverse_std");
        Assert.Equal([1L, 1, 1, 1], mean.Dims);
        Assert.Equal([0.1307f], mean.FloatData);
        Assert.Equal([1f / 0.3081f], inverseStd.FloatData);
        Assert.Equal(["Sub", "Mul", "Conv"], model.Graph.Node.Take(3).Select(n => n.OpType));
        Assert.Equal(["input", "normalization.mean"], model.Graph.Node[0].Input);
        Assert.Equal(model.Graph.Node[1].Output, model.Graph.Node[2].Input.Take(1));
    }

    [Fact]
    public void NormalizationOfAnotherChannelCountIsRefused()
    {
        using var network = new Network(Architectures.LeNet5(), new Shape(1, 28, 28), seed: 1);
        var error = Assert.Throws<ArgumentException>(() => OnnxExport.ToBytes(network, new OnnxExportOptions { Normalization = ChannelNormalization.ImageNet }));
        Assert.Contains("3 channel statistics", error.Message);
        Assert.Contains("1 channels", error.Message);
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
