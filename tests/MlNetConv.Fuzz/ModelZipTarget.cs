using Microsoft.ML;
using MlNetConv.Estimators;
using MlNetConv.Estimators.Persistence;
using MlNetConv.Graphs;
using MlNetConv.Optimizers;
using MlNetConv.Preprocessing;
using static MlNetConv.Tests.Shared.BarImages;

namespace MlNetConv.Fuzz;

/// <summary>
/// An ML.NET model zip holding a ConvNet classifier (trained for two epochs on the bar images), read by
/// <see cref="LoadedModels.LoadConvNet(ModelOperationsCatalog, Stream, string, out DataViewSchema, Backends.IBackend?, int?)"/>
/// and scored: damaged bytes anywhere, and broken zip local headers.
/// </summary>
public sealed class ModelZipTarget : FuzzTarget
{
    private readonly MLContext _ml = new(seed: 1);
    private readonly IDataView _rows;
    private readonly float[][] _expected;

    public ModelZipTarget()
    {
        _rows = _ml.Data.LoadFromEnumerable(Bars(9, 2));
        var model = _ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(_ml.MulticlassClassification.Trainers.ConvNet(_ml, new ConvNetClassificationOptions
            {
                Architecture = new NetworkBuilder().Conv2d(4, 3, padding: 1).ReLU().MaxPool2d(2).Flatten().Dense(3).Build(),
                Epochs = 2, BatchSize = 16, Seed = 3, Optimizer = new SgdOptions(0.05f, 0.9f), Normalization = new ChannelNormalization([0.2f], [0.5f]),
            }))
            .Append(_ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"))
            .Fit(_ml.Data.LoadFromEnumerable(Bars(60, 1)));
        using var stream = new MemoryStream();
        _ml.Model.Save(model, _rows.Schema, stream);
        Original = stream.ToArray();
        _expected = Scores(model);
    }

    public override string Name => "model-zip";
    public override byte[] Original { get; }

    public override byte[] Mutate(Random random)
    {
        if (random.Next(5) > 0) return Mutations.AnyBytes(Original, random);
        // A local file header's sizes or name length made to point elsewhere.
        var bytes = (byte[])Original.Clone();
        var headers = Enumerable.Range(0, bytes.Length - 4).Where(i => bytes[i] == 'P' && bytes[i + 1] == 'K' && bytes[i + 2] == 3 && bytes[i + 3] == 4).ToList();
        int at = headers[random.Next(headers.Count)] + 18 + 2 * random.Next(6);
        BitConverter.GetBytes((ushort)random.Next(65536)).CopyTo(bytes, at);
        return bytes;
    }

    public override bool ReadsAsOriginal(byte[] bytes)
    {
        // A context per read, as an application loading a model file would have: one shared over thousands of loads
        // keeps a little of each, and the growth would be charged to the damage.
        var loaded = new MLContext(seed: 1).Model.LoadConvNet(new MemoryStream(bytes), "the mutated zip", out _);
        var scores = Scores(loaded);
        return scores.Length == _expected.Length && scores.Zip(_expected).All(p => p.First.AsSpan().SequenceEqual(p.Second));
    }

    private float[][] Scores(ITransformer model) =>
        [.. _ml.Data.CreateEnumerable<Output>(model.Transform(_rows), reuseRowObject: false).Select(o => o.Score)];
}
