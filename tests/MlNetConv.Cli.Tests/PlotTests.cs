using System.Globalization;
using MlNetConv.Plots;
using MlNetConv.Tests.Shared;
using SkiaSharp;

namespace MlNetConv.Cli.Tests;

/// <summary><c>plot</c>: each figure from a LeNet-5 trained by <c>train</c> (its history, its zip, the zip exported to ONNX), and the errors.</summary>
public sealed class PlotTests(TrainedModelFixture model) : IClassFixture<TrainedModelFixture>, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mlnetconv-plot-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Out(string name) => Path.Combine(_folder, name);

    private string Seven() => Directory.GetFiles(Path.Combine(model.TestData, "7")).Order(StringComparer.Ordinal).First();

    /// <summary>The PNG the run wrote, decoded: the size it reported, and the pixels.</summary>
    private static SKBitmap Written(CliRun run, string path)
    {
        var bitmap = SKBitmap.Decode(path);
        Assert.NotNull(bitmap);
        Assert.Equal($"wrote {path} ({bitmap.Width}x{bitmap.Height})", run.OutLines[^1]);
        return bitmap;
    }

    [Fact]
    public void Train_writes_the_history_beside_the_model_and_curves_draws_it()
    {
        model.Training.Expect(ExitCodes.Ok);
        string history = Path.ChangeExtension(model.ModelPath, ".history.csv");
        Assert.Contains($"history of 6 epochs written to {history}", model.Training.Out);
        var epochs = TrainingHistoryCsv.Read(history);
        Assert.Equal([1, 2, 3, 4, 5, 6], epochs.Select(e => e.Epoch));
        Assert.All(epochs, e => Assert.True(e.Loss > 0 && e.Accuracy is > 0 and <= 1 && e.LearningRate == 0.05f && e.Elapsed > TimeSpan.Zero));
        Assert.All(epochs, e => Assert.Null(e.ValidationLoss));

        string png = Out("curves.png");
        var run = CliRun.Of("plot", "curves", history, "-o", png).Expect(ExitCodes.Ok);
        using var bitmap = Written(run, png);
        Assert.Equal(TrainingCurves.FromCsv(history).ToPng(), File.ReadAllBytes(png));
        Assert.True(bitmap.Height > bitmap.Width / 2, "three stacked panels");
    }

    [Fact]
    public void Curves_of_a_missing_or_malformed_history_fail_with_the_file_and_line()
    {
        var missing = CliRun.Of("plot", "curves", Out("none.csv"), "-o", Out("c.png")).Expect(ExitCodes.BadInput);
        Assert.Contains("none.csv' does not exist", missing.Error);
        File.WriteAllText(Out("bad.csv"), string.Join(",", TrainingHistoryCsv.Columns) + "\n1,0.5,0.9,,,0.1,2\n2,zero,0.9,,,0.1,2\n");
        var bad = CliRun.Of("plot", "curves", Out("bad.csv"), "-o", Out("c.png")).Expect(ExitCodes.BadInput);
        Assert.Contains("line 3, column loss: 'zero' is not a finite number", bad.Error);
        File.WriteAllText(Out("header.csv"), "a,b\n");
        Assert.Contains("first line must be", CliRun.Of("plot", "curves", Out("header.csv"), "-o", Out("c.png")).Expect(ExitCodes.BadInput).Error);
        Assert.False(File.Exists(Out("c.png")));
        Assert.Empty(Directory.GetFiles(_folder, "*.tmp"));
    }

    [Fact]
    public void Confusion_counts_every_test_image_once()
    {
        model.Training.Expect(ExitCodes.Ok);
        string png = Out("confusion.png");
        var run = CliRun.Of("plot", "confusion", model.ModelPath, model.TestData, "-o", png).Expect(ExitCodes.Ok);
        using var bitmap = Written(run, png);
        // Three classes of 30 images: the diagonal cells of a trained model are dark blue (most of their row).
        int darkish = 0;
        for (int y = 0; y < bitmap.Height; y++)
            for (int x = 0; x < bitmap.Width; x++)
                if (bitmap.GetPixel(x, y) is var p && p.Blue > 100 && p.Red < 60) darkish++;
        Assert.True(darkish > 3 * 400, $"{darkish} dark pixels");
        Assert.Contains("does not exist", CliRun.Of("plot", "confusion", Out("none.zip"), model.TestData, "-o", png).Expect(ExitCodes.BadInput).Error);
    }

    [Fact]
    public void Filters_default_to_the_first_convolution_and_refuse_other_layers()
    {
        model.Training.Expect(ExitCodes.Ok);
        string png = Out("filters.png");
        var run = CliRun.Of("plot", "filters", model.ModelPath, "-o", png).Expect(ExitCodes.Ok);
        using var bitmap = Written(run, png);
        CliRun.Of("plot", "filters", model.ModelPath, "--layer", "conv1", "-o", Out("conv1.png")).Expect(ExitCodes.Ok);
        Assert.Equal(File.ReadAllBytes(png), File.ReadAllBytes(Out("conv1.png")));
        Assert.Contains("'relu1' is a ReLU, not a convolution", CliRun.Of("plot", "filters", model.ModelPath, "--layer", "relu1", "-o", Out("x.png")).Expect(ExitCodes.BadInput).Error);
        var unknown = CliRun.Of("plot", "filters", model.ModelPath, "--layer", "conv9", "-o", Out("x.png")).Expect(ExitCodes.BadInput);
        Assert.Contains("no layer 'conv9'", unknown.Error);
        Assert.Contains("conv1", unknown.Error);
        Assert.False(File.Exists(Out("x.png")));
    }

    [Fact]
    public void Activations_and_top5_of_an_image_from_the_zip_and_from_its_onnx_export()
    {
        model.Training.Expect(ExitCodes.Ok);
        string maps = Out("maps.png");
        var run = CliRun.Of("plot", "activations", model.ModelPath, Seven(), "--layer", "conv1", "--layer", "pool2", "-o", maps).Expect(ExitCodes.Ok);
        using (Written(run, maps)) { }
        var defaults = CliRun.Of("plot", "activations", model.ModelPath, Seven(), "-o", Out("default.png")).Expect(ExitCodes.Ok);
        Assert.NotEqual(File.ReadAllBytes(maps), File.ReadAllBytes(Out("default.png")));

        string top = Out("top.png");
        var bars = CliRun.Of("plot", "top5", model.ModelPath, Seven(), "-o", top).Expect(ExitCodes.Ok);
        using (Written(bars, top)) { }
        var lines = bars.OutLines[..^1].Select(l => l.Split(": ")).ToArray();
        Assert.Equal(["0", "1", "7"], lines.Select(l => l[0]).Order());  // three classes, all shown
        var probabilities = lines.Select(l => double.Parse(l[1], CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(probabilities.OrderDescending(), probabilities);
        Assert.Equal(1, probabilities.Sum(), 3);

        string onnx = Out("lenet.onnx");
        CliRun.Of("export", model.ModelPath, onnx).Expect(ExitCodes.Ok);
        var fromOnnx = CliRun.Of("plot", "top5", onnx, Seven(), "-o", Out("onnx-top.png")).Expect(ExitCodes.Ok);
        // The export ends in a softmax, which is not applied twice: the same probabilities (ONNX's classes are numbered).
        var onnxProbabilities = fromOnnx.OutLines[..^1].Select(l => double.Parse(l.Split(": ")[1], CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(probabilities, onnxProbabilities, (a, b) => Math.Abs(a - b) < 2e-4);
        CliRun.Of("plot", "filters", onnx, "-o", Out("onnx-filters.png")).Expect(ExitCodes.Ok);

        Assert.Contains("does not exist", CliRun.Of("plot", "top5", model.ModelPath, Out("none.png"), "-o", top).Expect(ExitCodes.BadInput).Error);
        File.WriteAllText(Out("fake.png"), "not an image");
        Assert.Contains("bad image", CliRun.Of("plot", "activations", model.ModelPath, Out("fake.png"), "-o", Out("y.png")).Expect(ExitCodes.BadInput).Error);
        Assert.Contains("no layer 'nope'", CliRun.Of("plot", "activations", model.ModelPath, Seven(), "--layer", "nope", "-o", Out("y.png")).Expect(ExitCodes.BadInput).Error);
        Assert.False(File.Exists(Out("y.png")));
        CliRun.Of("plot", "top5", model.ModelPath, Seven()).Expect(ExitCodes.Usage);  // -o is required
    }
}

/// <summary><c>plot</c> on an engine model file (<c>ModelFile</c>), which reads images as values in [0, 1] and numbers its classes.</summary>
public sealed class PlotModelFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mlnetconv-plot-file-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Filters_and_activations_of_an_engine_model_file()
    {
        string path = Path.Combine(_folder, "net.mlnc");
        using (var network = new Graphs.Network(new Graphs.NetworkBuilder().Conv2d(4, 5, name: "c1").ReLU("r1").Flatten().Dense(2, name: "fc").Build(), new Tensors.Shape(1, 28, 28), seed: 3))
            Persistence.ModelFile.Save(path, network);
        string image = Path.Combine(_folder, "digit.png");
        DigitImages.WritePng(DigitImages.Select(9000, 1, 7).First().Index, image);
        var filters = CliRun.Of("plot", "filters", path, "-o", Path.Combine(_folder, "f.png")).Expect(ExitCodes.Ok);
        Assert.Contains("(", filters.OutLines[^1]);
        var top = CliRun.Of("plot", "top5", path, image, "-o", Path.Combine(_folder, "t.png")).Expect(ExitCodes.Ok);
        Assert.Equal(["0", "1"], top.OutLines[..^1].Select(l => l.Split(": ")[0]).Order());
        CliRun.Of("plot", "activations", path, image, "--layer", "r1", "-o", Path.Combine(_folder, "a.png")).Expect(ExitCodes.Ok);
        File.WriteAllText(Path.Combine(_folder, "junk.mlnc"), "junk");
        Assert.Contains("junk.mlnc", CliRun.Of("plot", "filters", Path.Combine(_folder, "junk.mlnc"), "-o", Path.Combine(_folder, "j.png")).Expect(ExitCodes.BadInput).Error);
    }
}
