using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetConv.Estimators;
using MlNetConv.Gpu.Tests.Support;
using MlNetConv.Graphs;
using MlNetConv.Optimizers;
using MlNetConv.Persistence;
using MlNetConv.Tensors;
using MlNetConv.Transforms;

using static MlNetConv.Tests.Shared.BarImages;

namespace MlNetConv.Gpu.Tests;

/// <summary>
/// Fine-tuning (a pretrained body with a new head, the body frozen or at a scaled learning rate) and the featurizer on the
/// GPU backend (ILGPU's CPU accelerator), beside the CPU backend.
/// </summary>
public sealed class TransferLearningTests
{
    private static PretrainedModel Pretrained() => new(
        new Network(new NetworkBuilder().Conv2d(6, 3, padding: 1, name: "conv1").BatchNorm2d(name: "bn1").ReLU("relu1")
            .MaxPool2d(2, name: "pool").Flatten("flatten").Dense(5, name: "fc").Build("body"), new Shape(1, 6, 6), seed: 11),
        null, name: "bar body");

    private static (Network Tuned, float[][] Features) Run(Backends.IBackend? backend, PretrainedModel pretrained, string? freeze, float scale)
    {
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadFromEnumerable(Bars(45, 1));
        var model = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.MulticlassClassification.Trainers.ConvNet(ml, new ConvNetClassificationOptions
        {
            Pretrained = pretrained, FreezeThrough = freeze, BackboneLearningRateScale = scale,
            Epochs = 2, BatchSize = 15, Seed = 3, Optimizer = new SgdOptions(0.1f, 0.9f), Backend = backend,
        })).Fit(train);
        var features = ml.Transforms.ConvNetFeaturize("Embedding", "Features", pretrained, new ConvNetFeaturizerOptions { Backend = backend, BatchSize = 7 })
            .Fit(train).Transform(train);
        var vectors = features.GetColumn<VBuffer<float>>("Embedding").Select(v => v.DenseValues().ToArray()).ToArray();
        return (ModelFile.FromBytes(model.LastTransformer.Model.Bytes.Span).Network, vectors);
    }

    [Fact]
    public void FineTuningAndTheFeaturizerRunOnTheGpuBackendAsOnTheCpu()
    {
        // conv1 frozen, bn1 at a tenth of the head's learning rate, a new head.
        var pretrained = Pretrained();
        var (gpu, gpuFeatures) = Run(TestBackends.CpuAccelerator, pretrained, "backbone.conv1", 0.1f);
        var (cpu, cpuFeatures) = Run(null, pretrained, "backbone.conv1", 0.1f);
        foreach (var name in new[] { "conv1.weight", "conv1.bias" })
            Assert.Equal(pretrained.Network[name].Value.ToArray(), gpu["backbone." + name].Value.ToArray());
        Assert.NotEqual(pretrained.Network["bn1.weight"].Value.ToArray(), gpu["backbone.bn1.weight"].Value.ToArray());
        foreach (var p in cpu.TrainableParameters)
            Conformance.Parity.AssertClose(p.Name, p.Value.ToArray(), gpu[p.Name].Value.ToArray(), new Conformance.Tolerance(1e-3, 1e-5));
        Assert.Equal(cpuFeatures.Length, gpuFeatures.Length);
        for (int i = 0; i < cpuFeatures.Length; i++)
            Conformance.Parity.AssertClose($"features of row {i}", cpuFeatures[i], gpuFeatures[i], new Conformance.Tolerance(1e-4, 1e-5));
    }
}
