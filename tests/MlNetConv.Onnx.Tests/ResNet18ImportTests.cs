using MlNetConv.Layers;
using Xunit.Abstractions;

namespace MlNetConv.Onnx.Tests;

/// <summary>
/// The ResNet-18 of the NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18 0.24.0: CNTK's export at opset 8, every
/// initializer in float_data, asymmetric pads, batch normalisation with spatial = 1, the batch fixed at 1.
/// </summary>
public sealed class ResNet18ImportTests(ITestOutputHelper output)
{
    private static readonly string ModelPath = Path.Combine(AppContext.BaseDirectory, "models", "ResNet18.onnx");

    [Fact]
    public void TwentyDigitsGiveOnnxRuntimesFeaturesWithin1e4()
    {
        using var network = OnnxImport.Load(ModelPath);
        Assert.Equal([3, 224, 224], network.SampleShape);
        Assert.Equal([1, 512, 1, 1], network.OutputShapes[0]);
        var model = File.ReadAllBytes(ModelPath);
        // Every stored value is a parameter or a running statistic (three blocks in CNTK's last stage: 15.9 M).
        var proto = global::Onnx.ModelProto.Parser.ParseFrom(model);
        long stored = proto.Graph.Initializer.Sum(t => (long)t.FloatData.Count);
        long statistics = network.Parameters.Where(p => !p.Trainable).Sum(p => (long)p.Size);
        Assert.Equal(stored, network.ParameterCount + statistics);
        const int images = 20;
        var (worst, largest) = FixedBatchComparison.Run(network, model, "Input247", i => TestImages.Digit(i), images, batch: 5);
        output.WriteLine($"ResNet-18 (CNTK) on {images} digits: max |ours - ONNX Runtime| = {worst:G3}, largest |feature| = {largest:G4}");
        Assert.True(largest > 0.1, "ONNX Runtime's features are all near zero: the comparison would be empty");
        Assert.True(worst <= 1e-4, $"max |ours - ONNX Runtime| = {worst:G3}");
    }

    [Fact]
    public void LayersAreTheFilesNodesWithItsAsymmetricPadsAndStatistics()
    {
        using var network = OnnxImport.Load(ModelPath);
        var layers = Graphs.Network.Flatten(network.Root).Skip(1).ToArray();
        var convolutions = layers.OfType<Conv2d>().ToArray();
        Assert.Equal(22, convolutions.Length);
        Assert.Equal(22, layers.OfType<BatchNorm2d>().Count());
        Assert.All(convolutions, c => Assert.False(c.HasBias));
        // The stem's pads [3, 3, 2, 2] and the stride-2 pads [1, 1, 0, 0], begin and end apart.
        Assert.Equal("((3, 2), (3, 2))", convolutions[0].Padding.ToString());
        Assert.Equal(3, convolutions.Count(c => c.Padding.ToString() == "((1, 0), (1, 0))"));
        var pool = Assert.Single(layers.OfType<MaxPool2d>());
        Assert.Equal("((1, 0), (1, 0))", pool.Padding.ToString());
        var bn = layers.OfType<BatchNorm2d>().First();
        Assert.Equal(1e-5f, bn.Epsilon);
        Assert.Equal(1f - 0.98835f, bn.Momentum, 5);
        Assert.Contains(bn.RunningVar.Value.ToArray(), v => Math.Abs(v - 1f) > 1e-3f);
        // Layers carry the nodes' names, parameters the layers' paths.
        Assert.Equal("Convolution249", convolutions[0].Name);
        Assert.Equal("Convolution249.weight", network.Parameters[0].Name);
        Assert.Single(network.OutputShapes);
    }
}
