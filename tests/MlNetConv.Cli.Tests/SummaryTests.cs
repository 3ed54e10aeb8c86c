namespace MlNetConv.Cli.Tests;

/// <summary><c>summary</c> and <c>compare</c>: counts from shapes alone, matching torchvision.</summary>
public sealed class SummaryTests
{
    [Fact]
    public void Resnet18HasTorchvisionsParameterCount()
    {
        var lines = CliRun.Of("summary", "resnet18").Expect(ExitCodes.Ok).OutLines;
        Assert.Equal("total params: 11689512", lines[^2]);
        Assert.Equal("total macs: 1814073344", lines[^1]);
        Assert.Contains(lines, l => l.StartsWith("layer1.0.conv1 ", StringComparison.Ordinal));
    }

    [Fact]
    public void OnnxFileIsImportedAndSummarised()
    {
        string folder = Directory.CreateTempSubdirectory("mlnetconv-summary-").FullName;
        string path = Path.Combine(folder, "lenet5.onnx");
        using (var network = new Graphs.Network(Zoo.Architectures.LeNet5(), new Tensors.Shape(1, 28, 28), seed: 1))
            Onnx.OnnxExport.Save(network, path);
        var lines = CliRun.Of("summary", path).Expect(ExitCodes.Ok).OutLines;
        Assert.Equal("lenet5.onnx: imported from ONNX, input 1x28x28, 1 output (1, 10)", lines[0]);
        Assert.Equal("total params: 61706", lines[^2]);
        Assert.Contains(lines, l => l.StartsWith("conv1 ", StringComparison.Ordinal));

        File.WriteAllBytes(path, File.ReadAllBytes(path)[..1000]);
        var run = CliRun.Of("summary", path).Expect(ExitCodes.BadInput);
        Assert.Contains($"ONNX file '{path}'", run.Error);
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public void InputAndClassesChangeTheCounts()
    {
        var lines = CliRun.Of("summary", "lenet5-classic", "--input", "1x32x32", "--classes", "10").Expect(ExitCodes.Ok).OutLines;
        Assert.Equal("total params: 60850", lines[^2]);
        lines = CliRun.Of("summary", "resnet20", "--classes", "100").Expect(ExitCodes.Ok).OutLines;
        Assert.Equal($"total params: {272474 + 65 * 90}", lines[^2]);
    }

    [Fact]
    public void CompareListsEveryZooNetworkWithAccuracyFromTheResultsFile()
    {
        string results = Path.Combine(Directory.CreateTempSubdirectory("mlnetconv-compare-").FullName, "results.jsonl");
        var record = new TrainingRecord("lenet5", "1x28x28", 10, 61706, 416520, 0.9876, "test", 2, 12.5, 8000, "d", "m.zip", DateTimeOffset.UtcNow);
        ResultsFile.Append(results, record with { Accuracy = 0.5, Date = record.Date.AddDays(-1) });
        ResultsFile.Append(results, record);

        var lines = CliRun.Of("compare", "--results", results).Expect(ExitCodes.Ok).OutLines;
        Assert.Equal(2 + ZooModels.All.Count, lines.Length);
        Assert.Matches(@"^lenet5\s+1x28x28\s+10\s+61,706\s+416,520\s+0\.9876 \(test, 1x28x28\)$", lines.Single(l => l.StartsWith("lenet5 ", StringComparison.Ordinal)));
        Assert.Matches(@"^resnet18\s+3x224x224\s+1000\s+11,689,512\s+1,814,073,344\s+-$", lines.Single(l => l.StartsWith("resnet18 ", StringComparison.Ordinal)));
        Assert.Matches(@"^vgg16\s+3x224x224\s+1000\s+138,357,544\s", lines.Single(l => l.StartsWith("vgg16 ", StringComparison.Ordinal)));
        File.Delete(results);
    }

    [Fact]
    public void CompareNotesNetworksThatCannotTakeTheInput()
    {
        var run = CliRun.Of("compare", "--input", "3x32x32").Expect(ExitCodes.Ok);
        Assert.Contains("note: alexnet cannot take 3x32x32 inputs", run.Out);
        Assert.Matches(@"resnet20\s+3x32x32\s+10\s+272,474", run.Out);
    }

    [Fact]
    public void ABadResultsFileIsBadInput()
    {
        string results = Path.GetTempFileName();
        File.WriteAllText(results, "{\"architecture\": \"lenet5\"}\nnot json\n");
        var run = CliRun.Of("compare", "--results", results).Expect(ExitCodes.BadInput);
        Assert.Contains($"results file '{results}', line 2", run.Error);
        File.Delete(results);
    }
}
