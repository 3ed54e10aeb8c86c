using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetConv.Estimators;
using MlNetConv.Gpu.Tests.Support;
using MlNetConv.Graphs;
using MlNetConv.Optimizers;
using MlNetConv.Tensors;

using static MlNetConv.Tests.Shared.BarImages;

namespace MlNetConv.Gpu.Tests;

/// <summary>The ML.NET classification pipeline trained on the GPU backend (ILGPU's CPU accelerator) through ConvNetClassificationOptions.Backend.</summary>
public sealed class EstimatorTests
{
    private static float[][] TrainAndScore(Backends.IBackend? backend)
    {
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadFromEnumerable(Bars(45, 1));
        var test = ml.Data.LoadFromEnumerable(Bars(12, 2));
        var options = new ConvNetClassificationOptions
        {
            Architecture = new NetworkBuilder().Conv2d(4, 3, padding: 1).ReLU().MaxPool2d(2).Flatten().Dense(3).Build(),
            Epochs = 2, BatchSize = 15, Seed = 3, Optimizer = new SgdOptions(0.1f, 0.9f), Backend = backend,
        };
        var model = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.MulticlassClassification.Trainers.ConvNet(ml, options))
            .Fit(train);
        var scored = model.Transform(test);
        var metrics = ml.MulticlassClassification.Evaluate(scored);
        Assert.InRange(metrics.LogLoss, 0, 1.5);
        var predictions = ml.Transforms.Conversion.MapKeyToValue("PredictedLabel").Fit(scored).Transform(scored);
        return [.. ml.Data.CreateEnumerable<Output>(predictions, reuseRowObject: false).Select(o => o.Score)];
    }

    [Fact]
    public void ThePipelineTrainsOnTheGpuBackend_AndScoresLikeTheCpuBackend()
    {
        var gpu = TrainAndScore(TestBackends.CpuAccelerator);
        var cpu = TrainAndScore(null);

        Assert.Equal(cpu.Length, gpu.Length);
        for (int i = 0; i < cpu.Length; i++)
            Conformance.Parity.AssertClose($"scores of row {i}", cpu[i], gpu[i], new Conformance.Tolerance(1e-3, 1e-5));
    }
}
