using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetConv.Data;
using MlNetConv.Estimators.Persistence;
using MlNetConv.Graphs;
using MlNetConv.Optimizers;
using SkiaSharp;

namespace MlNetConv.Estimators.Tests;

/// <summary>Training and scoring straight from an image column (LoadImages + ResizeImages), with real MNIST digits written as PNG files.</summary>
public sealed class ImageInputTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mlnetconv-images-").FullName;
    private readonly MLContext _ml = new(seed: 1);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    public sealed class ImageRow
    {
        public string Label { get; set; } = "";
        public string ImagePath { get; set; } = "";
    }

    public sealed class Prediction
    {
        public string PredictedLabel { get; set; } = "";
        public float[] Score { get; set; } = [];
    }

    /// <summary>Digits 0, 1 and 7 of the bundled set as 28x28 grey PNGs (R = G = B), one file per digit.</summary>
    private List<ImageRow> WriteDigits(int start, int count)
    {
        var digits = MnistDigits.Load(MnistDigits.FindDefault());
        var rows = new List<ImageRow>();
        var pixels = new float[MnistDigits.PixelsPerImage];
        for (int i = start; rows.Count < count; i++)
        {
            int label = digits.Label(i);
            if (label is not (0 or 1 or 7)) continue;
            digits.CopyImage(i, pixels);
            using var bitmap = new SKBitmap(28, 28, SKColorType.Rgba8888, SKAlphaType.Opaque);
            for (int y = 0; y < 28; y++)
                for (int x = 0; x < 28; x++)
                {
                    byte v = (byte)Math.Round(pixels[y * 28 + x] * 255);
                    bitmap.SetPixel(x, y, new SKColor(v, v, v));
                }
            string path = Path.Combine(_directory, $"digit-{i}.png");
            using (var file = File.Create(path)) bitmap.Encode(file, SKEncodedImageFormat.Png, 100);
            rows.Add(new ImageRow { Label = label.ToString(), ImagePath = path });
        }
        return rows;
    }

    private IEstimator<ITransformer> Pipeline(bool skipBadRows = false) =>
        _ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(_ml.Transforms.LoadImages("Image", null, "ImagePath"))
            .Append(_ml.Transforms.ResizeImages("Image", 28, 28))
            .Append(_ml.MulticlassClassification.Trainers.ConvNet(_ml, new ConvNetClassificationOptions
            {
                Architecture = new NetworkBuilder().Conv2d(4, 5, stride: 2).ReLU().Flatten().Dense(3).Build(),
                FeatureColumnName = "Image", InputShape = [1, 28, 28],
                Epochs = 3, BatchSize = 16, Seed = 2, Optimizer = new SgdOptions(0.05f, 0.9f), SkipBadRows = skipBadRows,
            }))
            .Append(_ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));

    [Fact]
    public void TrainsOnImagesAndTheSavedModelReadsPixelsTheSameWay()
    {
        var model = Pipeline().Fit(_ml.Data.LoadFromEnumerable(WriteDigits(0, 120)));
        var test = _ml.Data.LoadFromEnumerable(WriteDigits(8000, 45));
        var expected = _ml.Data.CreateEnumerable<Prediction>(model.Transform(test), reuseRowObject: false).ToList();
        var truth = _ml.Data.CreateEnumerable<ImageRow>(test, reuseRowObject: false).ToList();
        double accuracy = expected.Zip(truth).Count(p => p.First.PredictedLabel == p.Second.Label) / (double)truth.Count;
        Assert.True(accuracy >= 0.9, $"accuracy {accuracy}");

        // The saved chain reads the image through ML.NET's ExtractPixels: the same values, so the same scores.
        string path = Path.Combine(_directory, "model.zip");
        _ml.Model.Save(model, test.Schema, path);
        var loaded = new MLContext().Model.Load(path, out _);
        var actual = _ml.Data.CreateEnumerable<Prediction>(loaded.Transform(test), reuseRowObject: false).ToList();
        for (int i = 0; i < expected.Count; i++) Assert.Equal(expected[i].Score, actual[i].Score);
    }

    [Fact]
    public void MissingAndCorruptImagesAreNamedByRowAndPathOrSkipped()
    {
        var rows = WriteDigits(0, 40);
        rows[5].ImagePath = Path.Combine(_directory, "no-such-digit.png");
        File.WriteAllText(rows[9].ImagePath, "not a png");
        var data = _ml.Data.LoadFromEnumerable(rows);

        var missing = Assert.Throws<BadRowException>(() => Pipeline().Fit(data));
        Assert.Equal(5, missing.Row);
        Assert.Contains("row 5", missing.Message);
        Assert.Contains("no-such-digit.png", missing.Message);

        rows[5].ImagePath = rows[4].ImagePath;
        var corrupt = Assert.Throws<BadRowException>(() => Pipeline().Fit(_ml.Data.LoadFromEnumerable(rows)));
        Assert.Contains("row 9", corrupt.Message);
        Assert.Contains(rows[9].ImagePath, corrupt.Message);

        rows[5].ImagePath = Path.Combine(_directory, "no-such-digit.png");
        var messages = new List<string>();
        _ml.Log += (_, e) => messages.Add(e.Message);
        var model = Pipeline(skipBadRows: true).Fit(data);
        Assert.Contains(messages, m => m.Contains("Skipped 2 bad training rows"));
        var scoringError = Assert.Throws<BadRowException>(() => model.Transform(data).Preview());
        Assert.Contains("scoring row 5", scoringError.Message);
    }

    [Fact]
    public void AnImagePreprocessingIsTrainedWithSavedWithTheModelAndReadBackTheSameWay()
    {
        var image = new Transforms.ImagePreprocessing(28, 28)
        {
            Order = Transforms.ChannelOrder.Bgr, Offset = 20, Scale = 1f / 100, Normalization = new Preprocessing.ChannelNormalization([0.5f, 0.4f, 0.3f], [1.5f, 1.2f, 0.9f]),
        };
        IEstimator<ITransformer> Pipeline(ConvNetClassificationOptions o) => _ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(_ml.Transforms.LoadImages("Image", null, "ImagePath"))
            .Append(_ml.Transforms.ResizeImages("Image", 28, 28))
            .Append(_ml.MulticlassClassification.Trainers.ConvNet(_ml, o))
            .Append(_ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
        ConvNetClassificationOptions Options() => new()
        {
            Architecture = new NetworkBuilder().Conv2d(4, 5, stride: 2).ReLU().Flatten().Dense(3).Build(),
            FeatureColumnName = "Image", ImagePreprocessing = image, Epochs = 2, BatchSize = 16, Seed = 2, Optimizer = new SgdOptions(0.05f, 0.9f),
        };
        var model = Pipeline(Options()).Fit(_ml.Data.LoadFromEnumerable(WriteDigits(0, 60)));
        var convNet = model.FindConvNet();
        Assert.Equal(image, convNet.ImagePreprocessing);
        Assert.Equal(image.Normalization!.Mean, convNet.Model.Normalization!.Mean);

        // Saved and restored: the same convention, read back from the zip.
        var test = _ml.Data.LoadFromEnumerable(WriteDigits(8000, 12));
        string path = Path.Combine(_directory, "bgr.zip");
        _ml.Model.Save(model, test.Schema, path);
        var restored = _ml.Model.LoadConvNet(path, out _).FindConvNet();
        Assert.Equal(image with { Normalization = null }, restored.ImagePreprocessing! with { Normalization = null });
        Assert.Equal(image.Normalization.Std, restored.Model.Normalization!.Std);
        var scores = _ml.Data.CreateEnumerable<Prediction>(model.Transform(test), reuseRowObject: false).Select(p => p.Score).ToList();
        var loaded = _ml.Data.CreateEnumerable<Prediction>(new MLContext().Model.Load(path, out _).Transform(test), reuseRowObject: false).Select(p => p.Score).ToList();
        for (int i = 0; i < scores.Count; i++) Assert.Equal(scores[i], loaded[i]);

        // A second, different normalisation is refused; the same one given twice is not.
        var twice = Options();
        twice.Normalization = Preprocessing.ChannelNormalization.ImageNet;
        Assert.Contains("differ", Assert.Throws<ArgumentException>(() => Pipeline(twice).Fit(_ml.Data.LoadFromEnumerable(WriteDigits(0, 20)))).Message);
        var same = Options();
        same.Normalization = new Preprocessing.ChannelNormalization([0.5f, 0.4f, 0.3f], [1.5f, 1.2f, 0.9f]);
        Pipeline(same).Fit(_ml.Data.LoadFromEnumerable(WriteDigits(0, 20)));
    }
}
