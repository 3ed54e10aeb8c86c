using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetConv.Estimators.Persistence;
using static MlNetConv.Tests.Shared.BarImages;

namespace MlNetConv.Estimators.Tests;

public sealed class ModelPersistenceTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mlnetconv-persistence-").FullName;
    private readonly MLContext _ml = new(seed: 1);
    private readonly List<Input> _testRows = Bars(45, 2);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private ITransformer Train() => BarClassifier.Train(_ml);

    private IDataView TestData => _ml.Data.LoadFromEnumerable(_testRows);

    private List<Output> Predict(ITransformer model) => _ml.Data.CreateEnumerable<Output>(model.Transform(TestData), reuseRowObject: false).ToList();

    private string Save(ITransformer model)
    {
        string path = Path.Combine(_directory, "model.zip");
        _ml.Model.Save(model, TestData.Schema, path);
        return path;
    }

    [Fact]
    public void ALoadedModelScoresLikeTheTrainedOne()
    {
        var model = Train();
        var loaded = new MLContext(seed: 5).Model.Load(Save(model), out _);
        var expected = Predict(model);
        var actual = Predict(loaded);
        Assert.Equal(expected.Select(p => p.PredictedLabel), actual.Select(p => p.PredictedLabel));
        for (int i = 0; i < expected.Count; i++) Assert.Equal(expected[i].Score, actual[i].Score);

        // ML.NET's evaluator and a PredictionEngine work on the loaded model as on the trained one.
        var keys = _ml.Transforms.Conversion.MapValueToKey("PredictedLabel", keyData: _ml.Data.LoadFromEnumerable(Classes.Select(c => new ClassName { Label = c })));
        double Accuracy(ITransformer m) => _ml.MulticlassClassification.Evaluate(keys.Fit(m.Transform(TestData)).Transform(m.Transform(TestData))).MicroAccuracy;
        Assert.Equal(expected.Zip(_testRows).Count(p => p.First.PredictedLabel == p.Second.Label) / (double)_testRows.Count, Accuracy(loaded), 10);
        var engine = _ml.Model.CreatePredictionEngine<Input, Output>(loaded);
        Assert.Equal(expected[7].Score, engine.Predict(_testRows[7]).Score);
    }

    private sealed class ClassName
    {
        public string Label { get; set; } = "";
    }

    [Fact]
    public void WithBatchedScoringRestoresTheBatchedTransformerAndItsAnnotations()
    {
        var model = Train();
        var loaded = _ml.Model.Load(Save(model), out var schema);
        var batched = loaded.WithBatchedScoring();
        var classifier = batched.FindConvNet();
        Assert.Equal(Classes, classifier.ClassNames);
        Assert.Equal(model.GetOutputSchema(schema).Select(c => (c.Name, c.Type)), batched.GetOutputSchema(schema).Select(c => (c.Name, c.Type)));
        var expected = Predict(model);
        var actual = Predict(batched);
        for (int i = 0; i < expected.Count; i++) Assert.Equal(expected[i].Score, actual[i].Score);
        VBuffer<ReadOnlyMemory<char>> slots = default;
        batched.GetOutputSchema(schema)["Score"].GetSlotNames(ref slots);
        Assert.Equal(Classes, slots.DenseValues().Select(v => v.ToString()));
    }

    [Fact]
    public async Task ANewProcessLoadsTheZipWithPlainModelLoadAndGivesTheSameScores()
    {
        var model = Train();
        var lines = await ModelLoadCheckProcess.Score(Save(model), [.. _testRows.Select(r => r.Features)], _directory);
        var expected = Predict(model);
        Assert.Equal(expected.Count, lines.Count);
        for (int i = 0; i < lines.Count; i++)
        {
            Assert.Equal(expected[i].PredictedLabel, lines[i].Predicted);
            Assert.Equal(expected[i].Score, lines[i].Scores);
        }
    }

    [Fact]
    public void AModelSplitOverManyLookupsScoresLikeTheTrainedOne()
    {
        var convNet = Train().FindConvNet();
        const int partBytes = 20 * Text15.GroupBytes;
        Assert.True(ModelBlob.PartCount(convNet.Model.Bytes.Length, partBytes) > 5);
        string path = Path.Combine(_directory, "parts.zip");
        _ml.Model.Save(ModelPersistence.Surrogate(convNet, partBytes), TestData.Schema, path);

        var loaded = new MLContext(seed: 5).Model.Load(path, out _);
        var expected = convNet.Transform(TestData).GetColumn<float[]>("Score").ToList();
        Assert.Equal(expected, loaded.Transform(TestData).GetColumn<float[]>("Score"));
        Assert.Equal(expected, loaded.WithBatchedScoring().Transform(TestData).GetColumn<float[]>("Score"));
    }

    [Fact]
    public void AModelSavedInTheFirstFormatStillLoadsWithItsScores()
    {
        // Saved by the v1 writer (the whole model in one lookup, base64) from the model Train() makes, with its scores on TestData.
        string data = Path.Combine(AppContext.BaseDirectory, "data");
        var loaded = _ml.Model.Load(Path.Combine(data, "convnet-v1.zip"), out _);
        var lines = File.ReadAllLines(Path.Combine(data, "convnet-v1.scores.txt"));
        foreach (var model in new[] { loaded, loaded.WithBatchedScoring() })
        {
            var actual = Predict(model);
            Assert.Equal(lines.Length, actual.Count);
            for (int i = 0; i < lines.Length; i++)
            {
                var parts = lines[i].Split(' ');
                Assert.Equal(parts[0], actual[i].PredictedLabel);
                Assert.Equal(parts.Skip(1).Select(s => float.Parse(s, CultureInfo.InvariantCulture)), actual[i].Score);
            }
        }
    }

    [Fact]
    public void ATamperedOrNewerModelIsRefusedWithAReason()
    {
        var convNet = Train().FindConvNet();
        var values = Enumerable.Range(0, ModelBlob.PartCount(convNet.Model.Bytes.Length, SavedFormat.PartBytes))
            .SelectMany(part => ModelBlob.Encode(convNet, part)).ToArray();
        static VBuffer<ReadOnlyMemory<char>> Buffer(string[] v) => new(v.Length, [.. v.Select(s => s.AsMemory())]);
        var flipped = (string[])values.Clone();
        int at = flipped[2].Length / 2;
        flipped[2] = flipped[2][..at] + (char)(flipped[2][at] ^ 1) + flipped[2][(at + 1)..];
        Assert.Contains("checksum", Assert.Throws<InvalidDataException>(() => ModelBlob.Decode(Buffer(flipped))).Message);
        var cut = (string[])values.Clone();
        cut[^1] = cut[^1][..^1];
        Assert.Contains("not valid text", Assert.Throws<InvalidDataException>(() => ModelBlob.Decode(Buffer(cut))).Message);
        var newer = (string[])values.Clone();
        newer[0] = newer[0].Replace(SavedFormat.Version, "MlNetConv.ConvNet.v9");
        Assert.Contains("upgrade", Assert.Throws<InvalidDataException>(() => ModelBlob.Decode(Buffer(newer))).Message);
    }

    [Fact]
    public void AZipEntryWhoseBytesDisagreeWithItsCrc32IsRefusedBeforeMlNetReadsIt()
    {
        // The bytes inflate as before, but the zip's record of them is another: .NET's zip reader does not compare the two,
        // and ML.NET would read whatever an entry inflates to (a damaged lookup once made it allocate 336 MB).
        var bytes = File.ReadAllBytes(Save(Train()));
        int central = IndexOf(bytes, [(byte)'P', (byte)'K', 1, 2], 0);
        int nameLength = BitConverter.ToUInt16(bytes, central + 28);
        string name = System.Text.Encoding.UTF8.GetString(bytes, central + 46, nameLength);
        int local = BitConverter.ToInt32(bytes, central + 42);
        // CRC-32 at offset 16 of the central directory record and 14 of the local header.
        bytes[central + 16] ^= 0x5A;
        bytes[local + 14] ^= 0x5A;
        var e = Assert.Throws<InvalidDataException>(() => _ml.Model.LoadConvNet(new MemoryStream(bytes), "the zip", out _));
        Assert.Contains("CRC-32", e.Message);
        Assert.Contains(name, e.Message);
    }

    private static int IndexOf(byte[] bytes, byte[] pattern, int from)
    {
        for (int i = from; i <= bytes.Length - pattern.Length; i++)
            if (bytes.AsSpan(i, pattern.Length).SequenceEqual(pattern)) return i;
        throw new InvalidDataException("pattern not found");
    }
}
