using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetConv.Estimators.Persistence;
using MlNetConv.Graphs;
using MlNetConv.Optimizers;
using MlNetConv.Preprocessing;
using MlNetConv.Tests.Shared;
using MlNetConv.Transforms;

namespace MlNetConv.Estimators.Tests;

/// <summary>
/// <c>ConvNetTransformer.ToPretrained</c>: a trained classifier, saved and loaded, as a <see cref="PretrainedModel"/> whose
/// features at the output are the classifier's logits (their softmax its Score, so the network, the image reading and the
/// normalisation all came along), by default at the last hidden layer.
/// </summary>
public sealed class ToPretrainedTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mlnetconv-topretrained-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private sealed class PathRow
    {
        public string Label { get; set; } = "";
        public string ImagePath { get; set; } = "";
    }

    private IDataView Digits(MLContext ml, int start, int count) => ml.Data.LoadFromEnumerable(DigitImages.Select(start, count, 0, 1, 7).Select(d =>
    {
        string path = Path.Combine(_folder, $"digit-{d.Index}.png");
        DigitImages.WritePng(d.Index, path);
        return new PathRow { Label = d.Label.ToString(), ImagePath = path };
    }).ToList());

    private static IEstimator<ITransformer> Images(MLContext ml) => ml.Transforms.LoadImages("Image", null, "ImagePath")
        .Append(ml.Transforms.ResizeImages("Image", 28, 28))
        .Append(ml.Transforms.ConvertToGrayscale("Image"));

    [Fact]
    public void ALoadedClassifiersFeaturesAtItsOutputAreItsLogits_AndByDefaultItsLastHiddenLayer()
    {
        var ml = new MLContext(seed: 1);
        var train = Digits(ml, 0, 60);
        var model = ml.Transforms.Conversion.MapValueToKey("Label").Append(Images(ml))
            .Append(ml.MulticlassClassification.Trainers.ConvNet(ml, new ConvNetClassificationOptions
            {
                Architecture = new NetworkBuilder().Conv2d(4, 5, stride: 2).ReLU().Flatten().Dense(16).ReLU().Dense(3).Build(),
                FeatureColumnName = "Image", InputShape = [1, 28, 28], Normalization = new ChannelNormalization([0.13f], [0.31f]),
                Epochs = 2, BatchSize = 16, Seed = 2, Optimizer = new SgdOptions(0.05f, 0.9f),
            }))
            .Fit(train);
        string path = Path.Combine(_folder, "model.zip");
        ml.Model.Save(model, train.Schema, path);
        var loaded = new MLContext().Model.LoadConvNet(path, out _);
        var classifier = loaded.FindConvNet();

        var pretrained = classifier.ToPretrained();
        Assert.Equal(classifier.ImagePreprocessing, pretrained.Preprocessing);
        Assert.Equal([0.13f], pretrained.Normalization!.Mean);
        Assert.Equal(GraphSurgery.LastHiddenNode(pretrained.Network.Root), pretrained.DefaultFeatureNode);
        var hidden = Images(ml).Append(ml.Transforms.ConvNetFeaturize("Features", "Image", pretrained)).Fit(train).Transform(train);
        Assert.Equal(16, ((VectorDataViewType)hidden.Schema["Features"].Type).Size);

        string output = pretrained.Network.Root is Graph graph ? graph.Nodes[^1].Name : throw new InvalidOperationException("a chain was expected");
        var logits = Images(ml).Append(ml.Transforms.ConvNetFeaturize("Logits", "Image", classifier.ToPretrained(output))).Fit(train).Transform(train);
        var scores = loaded.Transform(train);
        var expected = ml.Data.CreateEnumerable<ScoreRow>(scores, reuseRowObject: false).Select(r => r.Score).ToList();
        var actual = ml.Data.CreateEnumerable<LogitsRow>(logits, reuseRowObject: false).Select(r => r.Logits).ToList();
        Assert.Equal(60, actual.Count);
        double worst = 0;
        foreach (var (score, logit) in expected.Zip(actual))
        {
            double max = logit.Max(), sum = logit.Sum(v => Math.Exp(v - max));
            for (int c = 0; c < 3; c++) worst = Math.Max(worst, Math.Abs(score[c] - Math.Exp(logit[c] - max) / sum));
        }
        Assert.True(worst < 1e-5, $"max |Score - softmax(features)| = {worst:G3}");
        Assert.True(expected.Any(s => s.Max() < 0.99), "every score is saturated: the comparison would not see a wrong normalisation");
    }

    [Fact]
    public void AVectorModelsNormalisationNeedsAnImagePreprocessingToTravelIn()
    {
        var ml = new MLContext(seed: 1);
        var classifier = BarClassifier.Train(ml).FindConvNet();
        var missing = Assert.Throws<ArgumentException>(() => classifier.ToPretrained());
        Assert.Contains("normalised with mean [0.2] and std [0.5]", missing.Message);
        var other = Assert.Throws<ArgumentException>(() => classifier.ToPretrained(imagePreprocessing: new ImagePreprocessing(6, 6, 1)
        {
            Normalization = new ChannelNormalization([0.5f], [0.25f]),
        }));
        Assert.Contains("leave the normalisation out", other.Message);

        var pretrained = classifier.ToPretrained(imagePreprocessing: new ImagePreprocessing(6, 6, 1), name: "bars");
        Assert.Equal([0.2f], pretrained.Normalization!.Mean);
        Assert.Equal([0.5f], pretrained.Normalization.Std);
        Assert.Equal("bars", pretrained.Name);
        var wrongSize = Assert.Throws<ArgumentException>(() => classifier.ToPretrained(imagePreprocessing: new ImagePreprocessing(8, 8, 1)));
        Assert.Contains("do not fit the network's input", wrongSize.Message);
        var unknown = Assert.Throws<ArgumentException>(() => classifier.ToPretrained("no-such-node", new ImagePreprocessing(6, 6, 1)));
        Assert.Contains("no node 'no-such-node'", unknown.Message);
    }

    private sealed class ScoreRow
    {
        public float[] Score { get; set; } = [];
    }

    private sealed class LogitsRow
    {
        public float[] Logits { get; set; } = [];
    }
}
