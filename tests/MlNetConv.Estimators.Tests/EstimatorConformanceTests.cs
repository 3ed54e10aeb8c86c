using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetConv.Graphs;
using MlNetConv.Optimizers;
using static MlNetConv.Tests.Shared.BarImages;

namespace MlNetConv.Estimators.Tests;

/// <summary><see cref="EstimatorConformance"/> on the classification and segmentation trainers.</summary>
public sealed class EstimatorConformanceTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mlnetconv-conformance-").FullName;
    private readonly MLContext _ml = new(seed: 1);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private sealed class TextFeatures
    {
        public string Label { get; set; } = "";
        public string Features { get; set; } = "";
    }

    private sealed class LabelOnly
    {
        public string Label { get; set; } = "";
    }

    [Fact]
    public void TheClassificationTrainer_KeepsItsPromises()
    {
        var keys = _ml.Transforms.Conversion.MapValueToKey("Label").Fit(_ml.Data.LoadFromEnumerable(Bars(60, 1)));
        var valid = keys.Transform(_ml.Data.LoadFromEnumerable(Bars(60, 1)));
        var trainer = _ml.MulticlassClassification.Trainers.ConvNet(_ml, new ConvNetClassificationOptions
        {
            Architecture = new NetworkBuilder().Conv2d(4, 3, padding: 1).ReLU().MaxPool2d(2).Flatten().Dense(3).Build(),
            Epochs = 2, BatchSize = 16, Seed = 3, Optimizer = new SgdOptions(0.05f, 0.9f),
        });
        var textFeatures = keys.Transform(_ml.Data.LoadFromEnumerable([new TextFeatures { Label = "vertical", Features = "x" }]));
        var noFeatures = keys.Transform(_ml.Data.LoadFromEnumerable([new LabelOnly { Label = "vertical" }]));
        var noLabel = _ml.Data.LoadFromEnumerable(Bars(6, 2).Select(b => new { b.Features }).Select(b => new FeaturesOnly { Features = b.Features }));
        EstimatorConformance.Check(_ml, trainer, valid,
            [(noFeatures, "Features", true), (textFeatures, "Features", true), (noLabel, "Label", false)], ["Score"], _directory);
    }

    private sealed class FeaturesOnly
    {
        [VectorType(1, 6, 6)]
        public float[] Features { get; set; } = [];
    }

    private sealed class MaskOnly
    {
        [VectorType(100)]
        public float[] Label { get; set; } = [];
    }

    [Fact]
    public void TheSegmentationTrainer_KeepsItsPromises()
    {
        var valid = _ml.Data.LoadFromEnumerable(SegmentationTests.Scenes(24, 1));
        var trainer = _ml.MulticlassClassification.Trainers.ConvNetSegmentation(_ml, new ConvNetSegmentationOptions
        {
            Architecture = new NetworkBuilder().Conv2d(4, 3, padding: 1).ReLU().Conv2d(3, 1).Build(),
            Epochs = 1, BatchSize = 8, Seed = 2, Optimizer = new AdamOptions(0.01f), IgnoreLabel = 255,
        });
        var noFeatures = _ml.Data.LoadFromEnumerable([new MaskOnly { Label = new float[100] }]);
        var noMask = _ml.Data.LoadFromEnumerable(SegmentationTests.Scenes(2, 3).Select(s => new SceneFeatures { Features = s.Features }));
        EstimatorConformance.Check(_ml, trainer, valid, [(noFeatures, "Features", true), (noMask, "Label", false)], ["Score"], _directory);
    }

    private sealed class SceneFeatures
    {
        [VectorType(1, 10, 10)]
        public float[] Features { get; set; } = [];
    }
}
