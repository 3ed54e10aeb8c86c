using MlNetConv.Tests.Shared;

namespace MlNetConv.Cli.Tests;

/// <summary>
/// Real digit PNGs cut short: ML.NET's decoder turns them into partial pictures, so they must be found before it sees
/// them. Fail mode stops naming every bad file (up to ten) and the total; skip mode leaves them out and counts them.
/// </summary>
public sealed class TruncatedImageTests(TrainedModelFixture model) : IClassFixture<TrainedModelFixture>, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mlnetconv-truncated-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>A class folder of 12 digits (0 and 1) with the given number of them cut to 40 % of their bytes; returns the cut files.</summary>
    private (string Folder, List<string> Cut) Write(string name, int cut)
    {
        string folder = DigitImages.WriteClassFolder(Path.Combine(_folder, name), 9100, 12, 0, 1);
        var files = Directory.GetFiles(folder, "*.png", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Take(cut).ToList();
        foreach (var f in files)
        {
            var bytes = File.ReadAllBytes(f);
            File.WriteAllBytes(f, bytes[..(bytes.Length * 2 / 5)]);
        }
        return (folder, files);
    }

    [Fact]
    public void Score_FailMode_NamesTheTruncatedFile()
    {
        model.Training.Expect(ExitCodes.Ok);
        var (folder, cut) = Write("score-fail", 1);
        var run = CliRun.Of("score", model.ModelPath, folder, "-o", Path.Combine(_folder, "s.csv"), "--on-bad-file", "fail").Expect(ExitCodes.BadInput);
        Assert.Contains($"'{cut[0]}': the file is truncated", run.Error);
        Assert.False(File.Exists(Path.Combine(_folder, "s.csv")));
    }

    [Fact]
    public void Score_SkipMode_LeavesTheTruncatedFilesOutAndCountsThem()
    {
        model.Training.Expect(ExitCodes.Ok);
        var (folder, cut) = Write("score-skip", 3);
        string csv = Path.Combine(_folder, "s.csv");
        var run = CliRun.Of("score", model.ModelPath, folder, "-o", csv).Expect(ExitCodes.Ok);
        Assert.Contains("skipped 3 bad file(s)", run.Out);
        foreach (var f in cut) Assert.Contains($"skipped bad image '{f}': the file is truncated", run.Error);
        var scored = File.ReadAllLines(csv)[1..].Select(l => l.Split(',')[0]).ToList();
        Assert.Equal(9, scored.Count);
        Assert.Empty(scored.Intersect(cut));
    }

    [Fact]
    public void Train_And_Evaluate_FailMode_NameEveryBadFileUpToTenAndTheTotal()
    {
        var (folder, cut) = Write("train", 12);
        var run = CliRun.Of("train", "lenet5", "--data", folder, "--output", Path.Combine(_folder, "m.zip"), "--epochs", "1").Expect(ExitCodes.BadInput);
        Assert.StartsWith($"error: 12 bad images in '{folder}'", run.Error);
        foreach (var f in cut.Take(10)) Assert.Contains($"'{f}': the file is truncated", run.Error);
        Assert.DoesNotContain(cut[10], run.Error);
        Assert.Contains("... and 2 more.", run.Error);
        Assert.False(File.Exists(Path.Combine(_folder, "m.zip")));

        model.Training.Expect(ExitCodes.Ok);
        var evaluate = CliRun.Of("evaluate", model.ModelPath, "--data", folder).Expect(ExitCodes.BadInput);
        Assert.StartsWith($"error: 12 bad images in '{folder}'", evaluate.Error);
    }

    [Fact]
    public void ImagesWithAnAlphaChannel_AreNotedWithHowTheyAreRead()
    {
        model.Training.Expect(ExitCodes.Ok);
        var (folder, _) = Write("alpha", 0);
        var files = Directory.GetFiles(folder, "*.png", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Take(2).ToList();
        foreach (var f in files)
        {
            using var original = SkiaSharp.SKBitmap.Decode(f);
            using var rgba = new SkiaSharp.SKBitmap(new SkiaSharp.SKImageInfo(original.Width, original.Height, SkiaSharp.SKColorType.Rgba8888, SkiaSharp.SKAlphaType.Unpremul));
            for (int y = 0; y < original.Height; y++)
                for (int x = 0; x < original.Width; x++)
                    rgba.SetPixel(x, y, original.GetPixel(x, y).WithAlpha((byte)(255 - x * 9)));
            using var file = File.Create(f);
            rgba.Encode(file, SkiaSharp.SKEncodedImageFormat.Png, 100);
        }
        var run = CliRun.Of("score", model.ModelPath, folder, "-o", Path.Combine(_folder, "s.csv")).Expect(ExitCodes.Ok);
        Assert.Contains($"2 image(s) in '{folder}' have an alpha channel: transparent areas are read composited over black.", run.Error);
        var opaque = CliRun.Of("score", model.ModelPath, Write("opaque", 0).Folder, "-o", Path.Combine(_folder, "t.csv")).Expect(ExitCodes.Ok);
        Assert.DoesNotContain("alpha channel", opaque.Error);
    }

    [Fact]
    public void AnImageOverThePixelLimit_IsABadFile()
    {
        model.Training.Expect(ExitCodes.Ok);
        var (folder, _) = Write("limit", 0);
        var run = CliRun.Of("score", model.ModelPath, folder, "-o", Path.Combine(_folder, "s.csv"), "--on-bad-file", "fail", "--max-megapixels", "0.0007")
            .Expect(ExitCodes.BadInput);
        Assert.StartsWith($"error: 12 bad images in '{folder}'", run.Error);
        Assert.Contains("the image is 28 x 28 = 0.0 megapixels, over the limit of 0.0", run.Error);
    }
}
