using System.Text.Json;
using Microsoft.ML;

using MlNetConv.Tests.Shared;

namespace MlNetConv.Cli.Tests;

/// <summary><c>train</c> and <c>evaluate</c> on a handful of real digits: image folders and IDX files, through ML.NET.</summary>
public sealed class TrainEvaluateTests(TrainedModelFixture model) : IClassFixture<TrainedModelFixture>
{
    [Fact]
    public void TrainSavesAPlainMlNetModelAndAppendsAResultsLine()
    {
        var run = model.Training.Expect(ExitCodes.Ok);
        Assert.Contains("lenet5: 61,111 parameters, input 1x28x28, 3 classes, 150 rows", run.Out);
        Assert.Matches(@"epoch 6/6  loss [0-9.]+  acc [0-9.]+  [0-9]+ samples/s", run.Error);
        Assert.Matches(@"accuracy: [0-9.]+ \(test\)", run.OutLines[^1]);
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(model.ModelPath)!, "*.tmp"));

        var line = File.ReadAllLines(Path.Combine(Path.GetDirectoryName(model.ModelPath)!, "results.jsonl")).Single();
        var record = JsonSerializer.Deserialize<TrainingRecord>(line, new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
        Assert.Equal(("lenet5", "1x28x28", 3, 61706L - 84 * 7 - 7, "test", 6, 150), (record.Architecture, record.Input, record.Classes, record.Parameters,
            record.AccuracyOn, record.Epochs, record.TrainingRows));
        Assert.True(record.Accuracy >= 0.8, $"test accuracy {record.Accuracy}");

        // Any ML.NET app can load it and score image files by path.
        var loaded = new MLContext().Model.Load(model.ModelPath, out var schema);
        Assert.Equal(["Label", "ImagePath"], schema.Select(c => c.Name));
    }

    [Fact]
    public void EvaluatePrintsMlNetsMetricsOnAnImageFolder()
    {
        model.Training.Expect(ExitCodes.Ok);
        var run = CliRun.Of("evaluate", model.ModelPath, "--data", model.TestData).Expect(ExitCodes.Ok);
        Assert.Contains("macro accuracy: ", run.Out);
        Assert.Contains("log-loss: ", run.Out);
        Assert.Contains("Confusion table", run.Out);
        Assert.Contains("classes: 0 = 0, 1 = 1, 2 = 7", run.Out);
        Assert.Equal(model.Training.OutLines[^1].Replace(" (test)", ""), run.OutLines[^1]);
    }

    [Fact]
    public void TrainsAndEvaluatesOnIdxFiles()
    {
        string folder = Directory.CreateTempSubdirectory("mlnetconv-idx-").FullName;
        try
        {
            string train = DigitImages.WriteIdx(Path.Combine(folder, "train"), 0, 200, 0, 1);
            string test = DigitImages.WriteIdx(Path.Combine(folder, "test"), 8000, 20, 0, 1);
            string zip = Path.Combine(folder, "idx.zip");
            var run = CliRun.Of("train", "lenet5", "--data", train, "-o", zip, "--epochs", "3", "--batch-size", "10", "--lr", "0.05",
                "--validation-fraction", "0.25", "--augment", "crop=1").Expect(ExitCodes.Ok);
            Assert.Contains("2 classes, 200 rows", run.Out);
            Assert.Matches(@"accuracy: [0-9.]+ \(validation\)", run.OutLines[^1]);

            var evaluation = CliRun.Of("evaluate", zip, "--data", test).Expect(ExitCodes.Ok);
            Assert.Matches(@"^accuracy: (0\.[89]|1\.0)", evaluation.OutLines[^1]);

            // A model trained on IDX pixels also scores image files: it is saved with the image steps.
            string images = Path.Combine(folder, "images");
            foreach (var (index, _) in DigitImages.Select(8000, 5, 0, 1)) DigitImages.WritePng(index, Path.Combine(images, $"{index}.png"));
            CliRun.Of("score", zip, images, "-o", Path.Combine(folder, "s.csv")).Expect(ExitCodes.Ok);
            Assert.Equal(6, File.ReadAllLines(Path.Combine(folder, "s.csv")).Length);

            // IDX data of another size than the model's input is refused.
            Assert.Contains("--input must match", CliRun.Of("train", "lenet5", "--data", train, "-o", zip, "--input", "1x32x32").Expect(ExitCodes.Usage).Error);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void MissingDataIsBadInput()
    {
        Assert.Contains("data folder 'no/such/folder' does not exist",
            CliRun.Of("train", "lenet5", "--data", "no/such/folder", "-o", "m.zip").Expect(ExitCodes.BadInput).Error);
        Assert.Contains("IDX images file not found",
            CliRun.Of("evaluate", model.ModelPath, "--data", "idx:none-images,none-labels").Expect(ExitCodes.BadInput).Error);
    }
}
