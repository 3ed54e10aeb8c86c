using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetConv.Estimators.Persistence;
using MlNetConv.Graphs;
using MlNetConv.Optimizers;
using MlNetConv.Preprocessing;
using static MlNetConv.Tests.Shared.BarImages;
using static MlNetConv.Tests.Shared.OnnxRuntimeCheck;

namespace MlNetConv.Estimators.Tests;

/// <summary><c>ExportToOnnx</c>: ONNX Runtime, given the feature column's values, gives the Score column's probabilities.</summary>
public sealed class OnnxExportTests : IDisposable
{
    private const double Tolerance = 1e-5;
    private readonly string _directory = Directory.CreateTempSubdirectory("mlnetconv-onnx-").FullName;
    private readonly MLContext _ml = new(seed: 1);
    private readonly List<Input> _testRows = Bars(30, 2);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private ITransformer Train() => BarClassifier.Train(_ml);

    [Fact]
    public void OnnxRuntimeGivesTheScoresOfTheTrainedModel()
    {
        var model = Train();
        string path = Path.Combine(_directory, "bars.onnx");
        model.ExportToOnnx(path);

        var expected = _ml.Data.CreateEnumerable<Output>(model.Transform(_ml.Data.LoadFromEnumerable(_testRows)), reuseRowObject: false).ToList();
        var probabilities = Output(path, [.. _testRows.SelectMany(r => r.Features)], [_testRows.Count, 1, 6, 6]);
        AssertClose([.. expected.SelectMany(p => p.Score)], probabilities, Tolerance);
        for (int i = 0; i < expected.Count; i++)
        {
            var row = probabilities[(i * 3)..(i * 3 + 3)];
            Assert.Equal(expected[i].PredictedLabel, Classes[Array.IndexOf(row, row.Max())]);
        }
        Assert.Empty(Directory.GetFiles(_directory, "*.tmp"));
    }

    [Fact]
    public void AModelLoadedByModelLoadExportsTheSameFile()
    {
        var model = Train();
        string zip = Path.Combine(_directory, "model.zip");
        _ml.Model.Save(model, _ml.Data.LoadFromEnumerable(_testRows).Schema, zip);
        var loaded = new MLContext(seed: 5).Model.Load(zip, out _);

        using var trained = new MemoryStream();
        model.ExportToOnnx(trained);
        string path = Path.Combine(_directory, "loaded.onnx");
        loaded.ExportToOnnx(path);
        Assert.Equal(trained.ToArray(), File.ReadAllBytes(path));
        using var fromBatched = new MemoryStream();
        loaded.WithBatchedScoring().ExportToOnnx(fromBatched);
        Assert.Equal(trained.ToArray(), fromBatched.ToArray());
    }

    [Fact]
    public void ASegmentationModelExportsPerPixelProbabilities()
    {
        var options = new ConvNetSegmentationOptions
        {
            Architecture = new NetworkBuilder().Conv2d(4, 3, padding: 1).ReLU().Conv2d(3, 1).Build(),
            Epochs = 2, BatchSize = 16, Seed = 2, Optimizer = new AdamOptions(0.01f), IgnoreLabel = 255,
            Normalization = new ChannelNormalization([0.4f], [0.3f]),
        };
        var scenes = SegmentationTests.Scenes(10, 3);
        var model = _ml.MulticlassClassification.Trainers.ConvNetSegmentation(_ml, options).Fit(_ml.Data.LoadFromEnumerable(SegmentationTests.Scenes(40, 1)));
        string path = Path.Combine(_directory, "segmentation.onnx");
        model.ExportToOnnx(path);

        var scored = model.Transform(_ml.Data.LoadFromEnumerable(scenes));
        var expected = _ml.Data.CreateEnumerable<SegmentationTests.Segmented>(scored, reuseRowObject: false).SelectMany(s => s.Score).ToArray();
        int size = (int)Math.Sqrt(scenes[0].Features.Length);
        AssertClose(expected, Output(path, [.. scenes.SelectMany(s => s.Features)], [scenes.Count, 1, size, size]), Tolerance);
    }

    [Fact]
    public void AChainWithoutAConvNetIsRefusedClearly()
    {
        var chain = _ml.Transforms.Conversion.MapValueToKey("Label").Fit(_ml.Data.LoadFromEnumerable(_testRows));
        string path = Path.Combine(_directory, "none.onnx");
        var error = Assert.Throws<ArgumentException>(() => chain.ExportToOnnx(path));
        Assert.Contains("holds no ConvNet classifier or segmentation transformer", error.Message);
        Assert.False(File.Exists(path));
    }
}
