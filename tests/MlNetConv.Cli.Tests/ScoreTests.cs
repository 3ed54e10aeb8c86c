using MlNetConv.Tests.Shared;

namespace MlNetConv.Cli.Tests;

/// <summary><c>score</c>: a folder of real digits as PNG files, one of them corrupt, scored with the batched transformer.</summary>
public sealed class ScoreTests(TrainedModelFixture model) : IClassFixture<TrainedModelFixture>, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mlnetconv-score-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>30 digits (0, 1, 7) in nested folders, plus one file with a .png name that is not an image; returns the corrupt file's path.</summary>
    private (string Images, string Corrupt, Dictionary<string, int> Truth) WriteImages()
    {
        string images = Path.Combine(_folder, "images");
        var truth = new Dictionary<string, int>();
        foreach (var (index, label) in DigitImages.Select(9000, 30, 0, 1, 7))
        {
            string path = Path.Combine(images, index % 2 == 0 ? "even" : Path.Combine("odd", "deeper"), $"digit-{index}.png");
            DigitImages.WritePng(index, path);
            truth[path] = label;
        }
        string corrupt = Path.Combine(images, "odd", "corrupt.png");
        File.WriteAllText(corrupt, "this is not a PNG file");
        File.WriteAllText(Path.Combine(images, "notes.txt"), "not an image, not scored");
        return (images, corrupt, truth);
    }

    [Fact]
    public void SkipModeWritesEveryGoodImageAndNamesTheBadOne()
    {
        model.Training.Expect(ExitCodes.Ok);
        var (images, corrupt, truth) = WriteImages();
        string csv = Path.Combine(_folder, "out", "scores.csv");
        var run = CliRun.Of("score", model.ModelPath, images, "--output", csv, "--batch-size", "8").Expect(ExitCodes.Ok);

        Assert.Contains($"skipped bad image '{corrupt}'", run.Error);
        Assert.Contains("skipped 1 bad file(s)", run.Out);
        Assert.Matches(@"scored 30 images in [0-9.]+ s: [0-9]+ images/s", run.Out);

        var lines = File.ReadAllLines(csv);
        Assert.Equal("path,predicted_label,0,1,7", lines[0]);
        Assert.Equal(30, lines.Length - 1);
        var rows = lines[1..].Select(l => l.Split(',')).ToList();
        Assert.Equal(truth.Keys.Order(StringComparer.Ordinal), rows.Select(r => r[0]));
        string[] classes = ["0", "1", "7"];
        foreach (var row in rows)
        {
            Assert.Equal(5, row.Length);
            var scores = row[2..].Select(v => float.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            Assert.Equal(1.0, scores.Sum(), 3);
            Assert.Equal(classes[Array.IndexOf(scores, scores.Max())], row[1]);
        }
        int correct = rows.Count(r => r[1] == truth[r[0]].ToString());
        Assert.True(correct >= 24, $"{correct} of 30 digits right");
    }

    [Fact]
    public void FailModeExitsWith1NamingTheBadImageAndLeavesNoCsv()
    {
        model.Training.Expect(ExitCodes.Ok);
        var (images, corrupt, _) = WriteImages();
        string csv = Path.Combine(_folder, "scores.csv");
        var run = CliRun.Of("score", model.ModelPath, images, "-o", csv, "--on-bad-file", "fail").Expect(ExitCodes.BadInput);
        Assert.StartsWith($"error: bad image in '{images}'", run.Error);
        Assert.Contains($"'{corrupt}': it cannot be decoded as an image", run.Error);
        Assert.False(File.Exists(csv));
        Assert.Empty(Directory.GetFiles(_folder, "*.tmp"));
    }

    [Fact]
    public void AMissingOrCorruptModelOrAnEmptyFolderIsBadInput()
    {
        string empty = Directory.CreateDirectory(Path.Combine(_folder, "empty")).FullName;
        string csv = Path.Combine(_folder, "s.csv");
        Assert.Contains("does not exist", CliRun.Of("score", Path.Combine(_folder, "none.zip"), empty, "-o", csv).Expect(ExitCodes.BadInput).Error);
        Assert.Contains("no images", CliRun.Of("score", model.ModelPath, empty, "-o", csv).Expect(ExitCodes.BadInput).Error);
        string notAModel = Path.Combine(_folder, "bad.zip");
        File.WriteAllText(notAModel, "not a zip");
        Assert.Contains($"model file '{notAModel}' is corrupt or not an MlNetConv model", CliRun.Of("score", notAModel, empty, "-o", csv).Expect(ExitCodes.BadInput).Error);
    }
}
