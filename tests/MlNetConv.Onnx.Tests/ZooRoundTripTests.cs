using MlNetConv.Graphs;
using MlNetConv.Layers;
using MlNetConv.Optimizers;
using MlNetConv.Persistence;
using MlNetConv.Preprocessing;
using MlNetConv.Summary;
using MlNetConv.Tensors;
using MlNetConv.Training;
using MlNetConv.Tests.Shared;
using MlNetConv.Zoo;

namespace MlNetConv.Onnx.Tests;

/// <summary>
/// Zoo networks exported by <see cref="OnnxExport"/> and imported again compute what they computed, train, save and
/// load, export again and are summarised.
/// </summary>
public sealed class ZooRoundTripTests
{
    public static TheoryData<string> Zoo => ["lenet5", "alexnet", "vgg11_bn", "googlenet", "resnet18", "resnet50", "cifar_resnet20", "fcn8s", "fcn4s_input", "segnet"];

    private static (ILayer Architecture, Shape Sample) Make(string name) => name switch
    {
        "lenet5" => (Architectures.LeNet5(), new Shape(1, 28, 28)),
        "alexnet" => (Architectures.AlexNet(inputSize: 63, classes: 10), new Shape(3, 63, 63)),
        "vgg11_bn" => (Architectures.Vgg11(batchNorm: true, inputSize: 32, classes: 10), new Shape(3, 32, 32)),
        "googlenet" => (Architectures.GoogLeNet(inputSize: 32, classes: 10), new Shape(3, 32, 32)),
        "resnet18" => (Architectures.ResNet(18, 10, width: 8), new Shape(3, 32, 32)),
        "resnet50" => (Architectures.ResNet(50, 10, width: 4), new Shape(3, 32, 32)),
        "fcn8s" => (Architectures.Fcn8s(classes: 10, depth: 18, width: 8), new Shape(3, 32, 32)),
        "fcn4s_input" => (Architectures.Fcn4s(classes: 10, depth: 18, width: 8, inputSkip: true), new Shape(3, 40, 36)),
        "segnet" => (Architectures.SegNet(classes: 10, width: 4, stages: 3), new Shape(3, 24, 16)),
        _ => (Architectures.CifarResNet(20), new Shape(3, 32, 32)),
    };

    [Theory]
    [MemberData(nameof(Zoo))]
    public void ExportedAndImportedAgainComputesTheSameAndTrains(string name)
    {
        var (architecture, sample) = Make(name);
        using var original = new Network(architecture, sample, seed: 3);
        Train(original, epochs: 1);                        // running statistics away from (0, 1)
        using var imported = OnnxImport.FromBytes(OnnxExport.ToBytes(original));
        Assert.Equal(original.SampleShape, imported.SampleShape);
        Assert.Equal(original.ParameterCount, imported.ParameterCount);
        AssertSameOutputs(original, imported, batch: 3);
        OnnxRuntimeOracle.AssertMatches(imported, batch: 2);

        var before = imported.TrainableParameters.Select(p => p.Value.ToArray()).ToArray();
        var history = Train(imported, epochs: 4).History;
        Assert.True(history[^1].Loss < history[0].Loss, $"{name}: loss {history[0].Loss:G4} -> {history[^1].Loss:G4} did not fall");
        Assert.All(imported.TrainableParameters.Zip(before), p => Assert.NotEqual(p.Second, p.First.Value.ToArray()));
    }

    [Fact]
    public void ImportedNetworkSavesLoadsExportsAgainAndIsSummarised()
    {
        using var original = new Network(Architectures.ResNet(18, 10, width: 8), new Shape(3, 32, 32), seed: 5);
        Train(original, epochs: 1);
        using var imported = OnnxImport.FromBytes(OnnxExport.ToBytes(original));

        using var loaded = ModelFile.FromBytes(ModelFile.ToBytes(imported)).Network;
        Assert.Equal(imported.Parameters.Select(p => p.Name), loaded.Parameters.Select(p => p.Name));
        AssertSameOutputs(imported, loaded, batch: 2);

        using var again = OnnxImport.FromBytes(OnnxExport.ToBytes(imported));
        AssertSameOutputs(imported, again, batch: 2);
        OnnxRuntimeOracle.AssertMatches(imported, batch: 2);

        var summary = ModelSummary.Of(imported);
        Assert.Equal(imported.ParameterCount, summary.TotalParameters);
        Assert.Equal(ModelSummary.Of(original).TotalMultiplyAccumulates, summary.TotalMultiplyAccumulates);
    }

    [Fact]
    public void TorchvisionNamesSurviveAsParameterNames()
    {
        using var original = new Network(Architectures.ResNet(18, 10, width: 8), new Shape(3, 32, 32), seed: 5);
        using var imported = OnnxImport.FromBytes(OnnxExport.ToBytes(original));
        Assert.Equal(original.Parameters.Select(p => p.Name).Order(), imported.Parameters.Select(p => p.Name).Order());
        Assert.Contains(imported.Parameters, p => p.Name == "layer1.0.conv1.weight");
        Assert.Contains(imported.Parameters, p => p.Name == "layer2.0.downsample.1.running_var");
    }

    [Fact]
    public void NormalizationAndSoftmaxNodesImportAsLayers()
    {
        using var original = new Network(Architectures.LeNet5(), new Shape(1, 28, 28), seed: 2);
        var options = new OnnxExportOptions { Normalization = ChannelNormalization.Mnist, Softmax = true };
        using var imported = OnnxImport.FromBytes(OnnxExport.ToBytes(original, options));
        var layers = Network.Flatten(imported.Root).ToArray();
        Assert.Equal(2, layers.OfType<ConstantAffine>().Count());
        Assert.Single(layers.OfType<Layers.Softmax>());
        // The imported network takes raw pixels and gives probabilities: ONNX Runtime on the same file agrees.
        var random = new RandomStream(4);
        var input = Enumerable.Range(0, 2 * 784).Select(_ => random.NextFloat()).ToArray();
        var ours = imported.Predict(input);
        var theirs = OnnxRuntimeCheck.Outputs(OnnxExport.ToBytes(original, options), input, [2, 1, 28, 28])[0];
        OnnxRuntimeCheck.AssertClose(theirs, ours, 1e-6);
        Assert.Equal(2.0, ours.Sum(), 4);
    }

    /// <summary>Outputs of two networks for one seeded batch agree to float rounding (the same kernels in the same order).</summary>
    private static void AssertSameOutputs(Network expected, Network actual, int batch)
    {
        var random = new RandomStream(9);
        var input = Enumerable.Range(0, batch * expected.SampleShape.Size).Select(_ => random.NextFloat() * 2 - 1).ToArray();
        float[] a = expected.Predict(input), b = actual.Predict(input);
        Assert.Equal(a.Length, b.Length);
        double scale = a.Max(v => Math.Abs((double)v)), error = a.Zip(b).Max(p => Math.Abs((double)p.First - p.Second));
        Assert.True(scale > 0 && error <= 1e-5 * scale, $"max |difference| {error:G3} of largest {scale:G4}");
    }

    /// <summary>
    /// SGD with momentum on 16 seeded random samples of 10 classes, batches of 8: one label per sample, or per pixel for a
    /// network whose output keeps the input's extent (segmentation).
    /// </summary>
    private static TrainingResult Train(Network network, int epochs)
    {
        var random = new RandomStream(11);
        const int count = 16;
        var features = Enumerable.Range(0, count * network.SampleShape.Size).Select(_ => random.NextFloat() * 2 - 1).ToArray();
        int perSample = network.OutputShapes[0].SpatialSize;
        var labels = Enumerable.Range(0, count * perSample).Select(i => (i / Math.Max(1, perSample / 4) + i / perSample) % 10).ToArray();
        return new Trainer(network, new TrainerOptions { Epochs = epochs, BatchSize = 8, Seed = 1, Optimizer = new SgdOptions(0.01f, 0.9f) })
            .Fit(new InMemoryDataset(features, labels, network.SampleShape, perSample));
    }
}
