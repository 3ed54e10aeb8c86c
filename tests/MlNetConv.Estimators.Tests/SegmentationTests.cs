using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetConv.Estimators.Persistence;
using MlNetConv.Graphs;
using MlNetConv.Optimizers;
using MlNetConv.Tensors;

namespace MlNetConv.Estimators.Tests;

public sealed class SegmentationTests : IDisposable
{
    private const int Size = 10;
    private readonly string _directory = Directory.CreateTempSubdirectory("mlnetconv-segmentation-").FullName;
    private readonly MLContext _ml = new(seed: 1);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    public sealed class Scene
    {
        [VectorType(1, Size, Size)]
        public float[] Features { get; set; } = [];

        /// <summary>Per pixel: 0 background, 1 horizontal bar, 2 vertical bar, 255 void (a border we do not label).</summary>
        [VectorType(Size * Size)]
        public float[] Label { get; set; } = [];
    }

    public sealed class Segmented
    {
        public uint[] PredictedMask { get; set; } = [];
        public float[] Score { get; set; } = [];
    }

    /// <summary>Noisy 10x10 images with one horizontal and one vertical bar of different brightness; the outer ring is void.</summary>
    internal static List<Scene> Scenes(int count, ulong seed)
    {
        var random = new RandomStream(seed);
        var scenes = new List<Scene>();
        for (int n = 0; n < count; n++)
        {
            int row = 1 + random.NextInt(Size - 2), column = 1 + random.NextInt(Size - 2);
            var scene = new Scene { Features = new float[Size * Size], Label = new float[Size * Size] };
            for (int y = 0; y < Size; y++)
                for (int x = 0; x < Size; x++)
                {
                    int i = y * Size + x, label = y == row ? 1 : x == column ? 2 : 0;
                    scene.Features[i] = (label == 1 ? 1f : label == 2 ? 0.5f : 0f) + 0.1f * (float)random.NextGaussian();
                    scene.Label[i] = y == 0 || x == 0 || y == Size - 1 || x == Size - 1 ? 255 : label;
                }
            scenes.Add(scene);
        }
        return scenes;
    }

    private ConvNetSegmentationOptions Options() => new()
    {
        Architecture = new NetworkBuilder().Conv2d(8, 3, padding: 1).ReLU().Conv2d(8, 3, padding: 1).ReLU().Conv2d(3, 1).Build(),
        Epochs = 8, BatchSize = 16, Seed = 2, Optimizer = new AdamOptions(0.01f), IgnoreLabel = 255,
        ClassNames = ["background", "horizontal", "vertical"],
    };

    private ITransformer Train() => _ml.MulticlassClassification.Trainers.ConvNetSegmentation(_ml, Options()).Fit(_ml.Data.LoadFromEnumerable(Scenes(200, 1)));

    [Fact]
    public void TrainsAFullyConvolutionalNetworkAndMeasuresIoU()
    {
        var model = Train();
        var test = _ml.Data.LoadFromEnumerable(Scenes(40, 2));
        var scored = model.Transform(test);
        Assert.Equal(new VectorDataViewType(NumberDataViewType.Single, 3, Size, Size), scored.Schema["Score"].Type);
        Assert.Equal(new VectorDataViewType(NumberDataViewType.UInt32, Size, Size), scored.Schema["PredictedMask"].Type);
        var metrics = SegmentationMetrics.Evaluate(scored, 3, ignoreLabel: 255);
        Assert.True(metrics.PixelAccuracy > 0.95, $"pixel accuracy {metrics.PixelAccuracy}");
        Assert.True(metrics.MeanIoU > 0.8, $"mean IoU {metrics.MeanIoU}");

        // The metrics agree with a count by hand over the unlabelled-border-free pixels.
        var truth = Scenes(40, 2);
        var predicted = _ml.Data.CreateEnumerable<Segmented>(scored, reuseRowObject: false).ToList();
        long hits = 0, pixels = 0;
        for (int n = 0; n < truth.Count; n++)
            for (int i = 0; i < Size * Size; i++)
                if (truth[n].Label[i] != 255)
                {
                    pixels++;
                    if (predicted[n].PredictedMask[i] == truth[n].Label[i]) hits++;
                }
        Assert.Equal(hits / (double)pixels, metrics.PixelAccuracy, 10);
        Assert.All(predicted, p => Assert.Equal(Size * Size, p.PredictedMask.Length));

        string png = Path.Combine(_directory, "side-by-side.png");
        MaskImages.SaveSideBySide(png, truth[0].Features, 1, [.. truth[0].Label.Select(v => v == 255 ? 0u : (uint)v)], predicted[0].PredictedMask, Size, Size);
        Assert.True(new FileInfo(png).Length > 100);
    }

    [Fact]
    public async Task ASavedSegmenterReloadsInANewProcessWithTheSameMasks()
    {
        var model = Train();
        var rows = Scenes(12, 3);
        var test = _ml.Data.LoadFromEnumerable(rows);
        var expected = _ml.Data.CreateEnumerable<Segmented>(model.Transform(test), reuseRowObject: false).ToList();
        string zip = Path.Combine(_directory, "segmenter.zip");
        _ml.Model.Save(model, test.Schema, zip);

        // In this process: the loaded chain, and the batched transformer restored from it.
        var loaded = new MLContext().Model.Load(zip, out _);
        foreach (var candidate in new[] { loaded, loaded.WithBatchedScoring() })
        {
            var actual = _ml.Data.CreateEnumerable<Segmented>(candidate.Transform(test), reuseRowObject: false).ToList();
            for (int i = 0; i < rows.Count; i++)
            {
                Assert.Equal(expected[i].PredictedMask, actual[i].PredictedMask);
                Assert.Equal(expected[i].Score, actual[i].Score);
            }
        }
        Assert.Equal(["background", "horizontal", "vertical"], loaded.FindConvNet<ConvNetSegmentationTransformer>().ClassNames);

        // In a new process, with plain ml.Model.Load.
        var lines = await ModelLoadCheckProcess.Score(zip, [.. rows.Select(r => r.Features)], _directory);
        Assert.Equal(rows.Count, lines.Count);
        for (int i = 0; i < rows.Count; i++)
        {
            Assert.Equal(string.Join(',', expected[i].PredictedMask), lines[i].Predicted);
            Assert.Equal(expected[i].Score, lines[i].Scores);
        }
    }

    [Fact]
    public void BadMasksAndNetworksAreNamed()
    {
        var rows = Scenes(20, 4);
        rows[6].Label[13] = 7;
        var error = Assert.Throws<BadRowException>(() => _ml.MulticlassClassification.Trainers.ConvNetSegmentation(_ml, Options()).Fit(_ml.Data.LoadFromEnumerable(rows)));
        Assert.Contains("row 6", error.Message);
        Assert.Contains("pixel (y 1, x 3) has label 7", error.Message);

        var pooled = Options();
        pooled.Architecture = new NetworkBuilder().Conv2d(3, 3, padding: 1).MaxPool2d(2).Build();
        var shape = Assert.ThrowsAny<ArgumentException>(() => _ml.MulticlassClassification.Trainers.ConvNetSegmentation(_ml, pooled).Fit(_ml.Data.LoadFromEnumerable(Scenes(4, 5))));
        Assert.Contains("(3, 5, 5)", shape.Message);
    }
}
