using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetConv.Backends;
using MlNetConv.Cli.Data;
using MlNetConv.Estimators;
using MlNetConv.Persistence;
using MlNetConv.Preprocessing;
using static MlNetConv.Tests.Shared.OnnxRuntimeCheck;

using MlNetConv.Tests.Shared;

namespace MlNetConv.Cli.Tests;

/// <summary><c>export</c>: ONNX Runtime on the exported model gives the probabilities <c>score</c> writes.</summary>
public sealed class ExportTests(TrainedModelFixture model) : IClassFixture<TrainedModelFixture>, IDisposable
{
    private const double Tolerance = 1e-5;
    private readonly string _folder = Directory.CreateTempSubdirectory("mlnetconv-export-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void TheExportedModelGivesTheProbabilitiesAndLabelsThatScoreWrites()
    {
        model.Training.Expect(ExitCodes.Ok);
        string onnx = Path.Combine(_folder, "out", "lenet.onnx");
        var run = CliRun.Of("export", model.ModelPath, onnx).Expect(ExitCodes.Ok);
        Assert.Equal($"wrote {onnx}: {new FileInfo(onnx).Length} bytes", run.OutLines[0]);
        Assert.Equal("input 'input' N x 1x28x28 (no normalisation), output 'output' N x 3 (softmax probabilities)", run.OutLines[1]);

        string images = Path.Combine(_folder, "images");
        foreach (var (index, _) in DigitImages.Select(9000, 12, 0, 1, 7)) DigitImages.WritePng(index, Path.Combine(images, $"digit-{index}.png"));
        string csv = Path.Combine(_folder, "scores.csv");
        CliRun.Of("score", model.ModelPath, images, "-o", csv).Expect(ExitCodes.Ok);
        var rows = File.ReadAllLines(csv)[1..].Select(l => l.Split(',')).ToList();
        string[] classes = File.ReadAllLines(csv)[0].Split(',')[2..];

        // The pixels the model's own image steps make of the same files, in the CSV's order.
        var ml = new MLContext(seed: 0);
        var loaded = CliModel.Load(ml, model.ModelPath, Device.Cpu, batchSize: null);
        var view = loaded.ForImages.Transform(ml.Data.LoadFromEnumerable(rows.Select(r => new ImagePathRow { ImagePath = r[0] })));
        var features = view.GetColumn<VBuffer<float>>(CliModel.Features).SelectMany(v => v.DenseValues()).ToArray();

        var probabilities = Output(onnx, features, [rows.Count, 1, 28, 28]);
        AssertClose([.. rows.SelectMany(r => r[2..].Select(v => float.Parse(v, CultureInfo.InvariantCulture)))], probabilities, Tolerance);
        for (int i = 0; i < rows.Count; i++)
        {
            var row = probabilities[(i * classes.Length)..((i + 1) * classes.Length)];
            Assert.Equal(rows[i][1], classes[Array.IndexOf(row, row.Max())]);
        }
    }

    [Fact]
    public void AnEngineModelFileExportsWithItsNormalization()
    {
        model.Training.Expect(ExitCodes.Ok);
        var trained = CliModel.Load(new MLContext(seed: 0), model.ModelPath, Device.Cpu, batchSize: null).Classifier.Model;
        var (network, _) = ModelFile.FromBytes(trained.Bytes.Span);
        var normalized = new ConvNetModel(network, ChannelNormalization.Mnist);
        string file = Path.Combine(_folder, "lenet.model"), onnx = Path.Combine(_folder, "lenet.onnx");
        File.WriteAllBytes(file, normalized.Bytes.ToArray());

        var run = CliRun.Of("export", file, onnx).Expect(ExitCodes.Ok);
        Assert.Contains("(normalised in the model: mean [0.1307], std [0.3081])", run.OutLines[1]);

        var pixels = Enumerable.Range(0, 4 * 784).Select(i => i * 37 % 256 / 255f).ToArray();
        var expected = new float[4 * 3];
        normalized.Score((float[])pixels.Clone(), 4, expected);
        AssertClose(expected, Output(onnx, pixels, [4, 1, 28, 28]), Tolerance);
    }

    [Fact]
    public void AMissingCorruptOrForeignModelIsOneLineOfBadInput()
    {
        string onnx = Path.Combine(_folder, "x.onnx");
        string truncated = Path.Combine(_folder, "truncated.zip"), text = Path.Combine(_folder, "notes.txt"), empty = Path.Combine(_folder, "empty.zip");
        File.WriteAllBytes(truncated, File.ReadAllBytes(model.ModelPath)[..200]);
        File.WriteAllText(text, "not a model");
        File.WriteAllBytes(empty, []);
        var cases = new (string Model, string Message)[]
        {
            (Path.Combine(_folder, "none.zip"), "does not exist"),
            (truncated, $"model file '{truncated}' is corrupt or not an MlNetConv model"),
            (text, $"model file '{text}' is neither an ML.NET model zip nor an MlNetConv model file"),
            (empty, $"model file '{empty}' is neither an ML.NET model zip nor an MlNetConv model file"),
        };
        foreach (var (path, message) in cases)
        {
            var run = CliRun.Of("export", path, onnx).Expect(ExitCodes.BadInput);
            var line = Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith("error: ", line);
            Assert.Contains(message, line);
        }
        Assert.False(File.Exists(onnx));
        Assert.Empty(Directory.GetFiles(_folder, "*.tmp"));
    }

    [Fact]
    public void AZipWithoutAConvNetIsRefused()
    {
        var ml = new MLContext(seed: 0);
        var data = ml.Data.LoadFromEnumerable(new[] { new ImagePathRow { Label = "a", ImagePath = "x.png" } });
        string zip = Path.Combine(_folder, "keys.zip");
        ml.Model.Save(ml.Transforms.Conversion.MapValueToKey("Label").Fit(data), data.Schema, zip);
        var run = CliRun.Of("export", zip, Path.Combine(_folder, "keys.onnx")).Expect(ExitCodes.BadInput);
        Assert.Equal($"error: model file '{zip}' holds no ConvNet transformer.", run.Error.Trim());
    }
}
