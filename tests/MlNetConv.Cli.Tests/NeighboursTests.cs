using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.ML;
using MlNetConv.Estimators;
using MlNetConv.Estimators.Persistence;
using MlNetConv.Tensors;
using MlNetConv.Tests.Shared;
using MlNetConv.Transforms;
using SkiaSharp;
using Xunit.Abstractions;

namespace MlNetConv.Cli.Tests;

/// <summary>
/// <c>neighbours</c> on real digits written as PNG files: the LeNet-5 that <c>train</c> saved finds neighbours of the
/// query's digit, its output and grid hold what an exact search over the featurizer's own vectors finds, the ImageNet
/// ResNet-18 works at 32 x 32, and bad arguments are one-line errors with the usual exit codes.
/// </summary>
public sealed partial class NeighboursTests(TrainedModelFixture model, ITestOutputHelper output) : IClassFixture<TrainedModelFixture>, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mlnetconv-neighbours-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private sealed record Neighbour(int Rank, double Distance, string Path, string? Label);

    private sealed record Query(string Path, string? Label, List<Neighbour> Neighbours);

    [GeneratedRegex(@"^query '(?<path>.*)'(?: \((?<label>[^()]*)\))?$")]
    private static partial Regex QueryLine();

    [GeneratedRegex(@"^(?<rank>\d+)\s+(?<distance>\d+\.\d{4})\s+'(?<path>.*)'(?: \((?<label>[^()]*)\))?$")]
    private static partial Regex NeighbourLine();

    /// <summary>The queries and neighbours a run printed, in order.</summary>
    private static List<Query> Parse(CliRun run)
    {
        var queries = new List<Query>();
        foreach (string line in run.OutLines)
        {
            if (QueryLine().Match(line) is { Success: true } q)
                queries.Add(new Query(q.Groups["path"].Value, q.Groups["label"].Success ? q.Groups["label"].Value : null, []));
            else if (NeighbourLine().Match(line) is { Success: true } n)
                queries[^1].Neighbours.Add(new Neighbour(int.Parse(n.Groups["rank"].Value, CultureInfo.InvariantCulture),
                    double.Parse(n.Groups["distance"].Value, CultureInfo.InvariantCulture), n.Groups["path"].Value,
                    n.Groups["label"].Success ? n.Groups["label"].Value : null));
        }
        return queries;
    }

    private static string ClassOf(string path) => Path.GetFileName(Path.GetDirectoryName(path)!);

    [Fact]
    public void LeNetNeighboursMostlyShowTheQuerysDigit_AndTheGridHoldsTheirImages()
    {
        model.Training.Expect(ExitCodes.Ok);
        string grid = Path.Combine(_folder, "out", "grid.png");
        var run = CliRun.Of("neighbours", "--model", model.ModelPath, "--reference", model.TrainData, "--query", model.TestData, "--output", grid,
            "--grid-rows", "4").Expect(ExitCodes.Ok);

        output.WriteLine(string.Join('\n', run.OutLines.Take(8)));
        Assert.Contains($"model '{model.ModelPath}': features at 'relu4'", run.Out);
        var queries = Parse(run);
        Assert.Equal(30, queries.Count);
        foreach (var query in queries)
        {
            Assert.Equal(ClassOf(query.Path), query.Label);
            Assert.Equal([1, 2, 3, 4, 5, 6], query.Neighbours.Select(n => n.Rank));
            Assert.All(query.Neighbours, n => Assert.Equal(ClassOf(n.Path), n.Label));
            Assert.All(query.Neighbours, n => Assert.StartsWith(Path.GetFullPath(model.TrainData), n.Path));
            Assert.Equal(query.Neighbours.Select(n => n.Distance).Order(), query.Neighbours.Select(n => n.Distance));
        }
        double precision = queries.Sum(q => q.Neighbours.Count(n => n.Label == q.Label)) / (30.0 * 6);
        var perClass = Directory.GetDirectories(model.TrainData).ToDictionary(d => Path.GetFileName(d), d => Directory.GetFiles(d).Length);
        double chance = queries.Average(q => perClass[q.Label!] / 150.0);
        var inv = CultureInfo.InvariantCulture;
        Assert.Contains($"precision@6: {precision.ToString("F4", inv)} over 30 labelled queries (neighbours drawn at random: {chance.ToString("F4", inv)})", run.Out);
        Assert.InRange(chance, 0.30, 0.37);
        output.WriteLine($"LeNet-5 relu4: precision@6 {precision:F4} over 30 queries, chance {chance:F4}");
        Assert.True(precision >= 0.85, $"precision@6 {precision:F4}, chance {chance:F4}");

        Assert.Contains($"wrote {grid}: 4 of 30 queries with 6 neighbours each", run.Out);
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(grid)!, "*.tmp"));
        using var bitmap = SKBitmap.Decode(grid);
        // Cells of 84 + 2 x 6 pixels, a gap of 12 after the query's, a 32-pixel header, rows of 6 + 84 + 3 + 2 x 20 + 6.
        Assert.Equal((7 * 96 + 12, 32 + 4 * 139), (bitmap.Width, bitmap.Height));
        for (int row = 0; row < 4; row++)
        {
            int top = 32 + row * 139 + 6;
            AssertCell(bitmap, 6, top, queries[row].Path);
            for (int j = 1; j <= 6; j++) AssertCell(bitmap, j * 96 + 12 + 6, top, queries[row].Neighbours[j - 1].Path);
        }
    }

    /// <summary>The 84 x 84 cell at (left, top) holds the 28 x 28 image file grown 3 times.</summary>
    private static void AssertCell(SKBitmap grid, int left, int top, string file)
    {
        using var image = SKBitmap.Decode(file);
        for (int y = 0; y < 84; y++)
            for (int x = 0; x < 84; x++)
                if (grid.GetPixel(left + x, top + y) != image.GetPixel(x / 3, y / 3))
                    Assert.Fail($"grid pixel ({left + x}, {top + y}) is {grid.GetPixel(left + x, top + y)}, pixel ({x / 3}, {y / 3}) of '{file}' is {image.GetPixel(x / 3, y / 3)}");
    }

    [Fact]
    public void TheNeighboursAreThoseOfABruteForceSearchOverTheFeaturizersVectors()
    {
        model.Training.Expect(ExitCodes.Ok);
        string single = Path.Combine(_folder, "single.png");
        DigitImages.WritePng(9100, single);
        string loose = Path.Combine(_folder, "loose");
        foreach (var (index, _) in DigitImages.Select(9200, 4, 0, 1, 7))
            DigitImages.WritePng(index, Path.Combine(loose, index % 2 == 0 ? "" : "nested", $"digit-{index}.png"));
        string own = Directory.GetFiles(Path.Combine(model.TrainData, "7")).Order(StringComparer.Ordinal).First();
        var run = CliRun.Of("neighbours", "-m", model.ModelPath, "-r", model.TrainData, "-q", model.TestData, "-q", single, "-q", loose, "-q", own,
            "--k", "5", "--batch-size", "7").Expect(ExitCodes.Ok);
        var queries = Parse(run);
        Assert.Equal(30 + 1 + 4 + 1, queries.Count);
        Assert.All(queries.Skip(30), q => Assert.Null(q.Label));
        Assert.Equal(Path.GetFullPath(single), queries[30].Path);
        Assert.Equal(Path.GetFullPath(own), queries[^1].Path);
        Assert.Contains("over 30 labelled queries", run.Out);

        // The vectors through the public API: the saved classifier cut at its last hidden layer, images read as train reads them.
        var references = Directory.GetFiles(model.TrainData, "*.png", SearchOption.AllDirectories).Select(Path.GetFullPath).ToList();
        var classifier = new MLContext().Model.LoadConvNet(model.ModelPath, out _).FindConvNet();
        var pretrained = classifier.ToPretrained(imagePreprocessing: ImagePreprocessing.Default(new Shape(1, 28, 28)));
        var vectors = Features(pretrained, [.. references, .. queries.Select(q => q.Path)]);
        int checkedNeighbours = 0;
        foreach (var query in queries)
        {
            var q = vectors[query.Path];
            var expected = references.Where(r => r != query.Path)
                .Select(r => (Path: r, Distance: Math.Sqrt(vectors[r].Zip(q, (a, b) => ((double)a - b) * ((double)a - b)).Sum())))
                .OrderBy(r => r.Distance).ToList();
            Assert.Equal(5, query.Neighbours.Count);
            for (int j = 0; j < 5; j++)
            {
                var printed = query.Neighbours[j];
                Assert.True(Math.Abs(printed.Distance - expected[j].Distance) <= 6e-5 + 1e-5 * expected[j].Distance,
                    $"neighbour {j + 1} of '{query.Path}': printed distance {printed.Distance}, brute force {expected[j].Distance}");
                // A different path at the same rank is only allowed where the brute force's distances tie to float precision.
                if (printed.Path != expected[j].Path)
                    Assert.True(Math.Abs(Distance(expected, printed.Path) - expected[j].Distance) <= 1e-5 * expected[j].Distance,
                        $"neighbour {j + 1} of '{query.Path}' is '{printed.Path}', the brute force's is '{expected[j].Path}'");
                checkedNeighbours++;
            }
            Assert.DoesNotContain(query.Path, query.Neighbours.Select(n => n.Path));
        }
        Assert.Equal(36 * 5, checkedNeighbours);
        Assert.True(vectors.Values.First().Length == 84, "LeNet-5's last hidden layer has 84 units");
    }

    private static double Distance(List<(string Path, double Distance)> all, string path) => all.Single(a => a.Path == path).Distance;

    /// <summary>Each image's feature vector through LoadImages, ResizeImages, ConvertToGrayscale and ConvNetFeaturize.</summary>
    private static Dictionary<string, float[]> Features(PretrainedModel pretrained, IReadOnlyList<string> paths)
    {
        var ml = new MLContext(seed: 0);
        var data = ml.Data.LoadFromEnumerable(paths.Distinct().Select(p => new PathRow { ImagePath = p }).ToList());
        var features = ml.Transforms.LoadImages("Image", null, "ImagePath").Append(ml.Transforms.ResizeImages("Image", 28, 28))
            .Append(ml.Transforms.ConvertToGrayscale("Image")).Append(ml.Transforms.ConvNetFeaturize("Features", "Image", pretrained))
            .Fit(data).Transform(data);
        return ml.Data.CreateEnumerable<FeatureRow>(features, reuseRowObject: false).ToDictionary(r => r.ImagePath, r => r.Features);
    }

    private sealed class PathRow
    {
        public string ImagePath { get; set; } = "";
    }

    private sealed class FeatureRow
    {
        public string ImagePath { get; set; } = "";
        public float[] Features { get; set; } = [];
    }

    [Fact]
    public void TheImageNetResNet18At32PixelsFindsNeighboursOfTheSameDigitMoreOftenThanChance()
    {
        string reference = DigitImages.WriteClassFolder(Path.Combine(_folder, "reference"), 0, 60, 0, 1, 7);
        string queries = DigitImages.WriteClassFolder(Path.Combine(_folder, "queries"), 8000, 15, 0, 1, 7);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var run = CliRun.Of("neighbours", "--model", "resnet18", "--input", "3x32x32", "--reference", reference, "--query", queries, "--k", "5")
            .Expect(ExitCodes.Ok);
        clock.Stop();
        Assert.Contains("ImageNet ResNet-18: features at 'features'", run.Out);
        var printed = Parse(run);
        Assert.Equal(15, printed.Count);
        double precision = printed.Sum(q => q.Neighbours.Count(n => n.Label == q.Label)) / (15.0 * 5);
        Assert.Contains($"precision@5: {precision.ToString("F4", CultureInfo.InvariantCulture)} over 15 labelled queries", run.Out);
        output.WriteLine($"ResNet-18 at 32 x 32: precision@5 {precision:F4} over 15 queries among 60 reference images, {clock.Elapsed.TotalSeconds:F1} s");
        Assert.True(precision >= 0.6, $"precision@5 {precision:F4} of ImageNet features at 32 x 32 (chance about 0.33), in {clock.Elapsed.TotalSeconds:F1} s");
    }

    [Fact]
    public void BadArgumentsAreOneLineErrorsWithTheirExitCodes()
    {
        string reference = DigitImages.WriteClassFolder(Path.Combine(_folder, "reference"), 0, 12, 0, 1, 7);
        string query = DigitImages.WriteClassFolder(Path.Combine(_folder, "query"), 8000, 3, 0, 1, 7);
        string missing = Path.Combine(_folder, "missing");
        CliRun Run(params string[] args) => CliRun.Of(["neighbours", .. args]);
        string[] common = ["--reference", reference, "--query", query];

        Assert.Contains($"error: reference folder '{missing}' does not exist.", Run("-m", model.ModelPath, "-r", missing, "-q", query).Expect(ExitCodes.BadInput).Error);
        Assert.Contains($"error: query '{missing}' is neither an image file nor a folder.", Run("-m", model.ModelPath, "-r", reference, "-q", missing).Expect(ExitCodes.BadInput).Error);
        Assert.Contains("error: --k 13 is more than the 12 reference image(s)", Run(["-m", model.ModelPath, .. common, "--k", "13"]).Expect(ExitCodes.Usage).Error);
        Assert.Contains("less the query's own image", Run("-m", model.ModelPath, "-r", reference, "-q", reference, "--k", "12").Expect(ExitCodes.Usage).Error);
        Assert.Contains("error: --model resnet50: give 'resnet18', an ONNX file (FILE.onnx) or a model zip", Run(["-m", "resnet50", .. common]).Expect(ExitCodes.Usage).Error);
        Assert.Contains($"error: model file '{missing}.zip' does not exist.", Run(["-m", missing + ".zip", .. common]).Expect(ExitCodes.BadInput).Error);
        Assert.Contains($"error: ONNX file '{missing}.onnx' (--model) does not exist.", Run(["-m", missing + ".onnx", .. common]).Expect(ExitCodes.BadInput).Error);
        Assert.Contains("error: --input goes with resnet18 or an ONNX file", Run(["-m", model.ModelPath, .. common, "--input", "1x28x28"]).Expect(ExitCodes.Usage).Error);
        Assert.Contains("--k must be positive, got 0.", Run(["-m", model.ModelPath, .. common, "--k", "0"]).Expect(ExitCodes.Usage).Error);
        Run("-m", model.ModelPath, "-r", reference).Expect(ExitCodes.Usage);
        model.Training.Expect(ExitCodes.Ok);
        var node = Run(["-m", model.ModelPath, .. common, "--node", "no-such-node"]).Expect(ExitCodes.Usage);
        Assert.Contains("error: --node no-such-node: the network has no node 'no-such-node'. Its nodes are", node.Error);
        Assert.Contains("relu4", node.Error);

        string nines = DigitImages.WriteClassFolder(Path.Combine(_folder, "nines"), 8000, 2, 9);
        var foreign = Run("-m", model.ModelPath, "-r", reference, "-q", nines, "--k", "3").Expect(ExitCodes.Ok);
        Assert.Contains($"warning: query label(s) 9 are no class of the reference '{reference}'", foreign.Error);
        Assert.Contains("precision@3: 0.0000 over 2 labelled queries", foreign.Out);

        string corrupt = Path.Combine(reference, "1", "corrupt.png");
        File.WriteAllText(corrupt, "not a PNG file");
        var skipped = Run(["-m", model.ModelPath, .. common, "--k", "3"]).Expect(ExitCodes.Ok);
        Assert.Contains($"warning: skipped bad image '{corrupt}'", skipped.Error);
        Assert.Contains("12 reference images in", skipped.Out);
        var failed = Run(["-m", model.ModelPath, .. common, "--on-bad-file", "fail", "--output", Path.Combine(_folder, "grid.png")]).Expect(ExitCodes.BadInput);
        Assert.Contains($"'{corrupt}': it cannot be decoded as an image", failed.Error);
        Assert.False(File.Exists(Path.Combine(_folder, "grid.png")));
    }
}
