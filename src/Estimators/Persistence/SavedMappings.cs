using System.Buffers;
using System.ComponentModel;
using System.Globalization;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace MlNetConv.Estimators.Persistence;

// The two custom mappings of a saved ConvNet transformer. ML.NET records their contract names and reloads this
// assembly by itself, so plain ml.Model.Load works without any registration. Their class and member names are part
// of the file format (see SavedFormat).

/// <summary>No input: the key mapping depends on nothing.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class ModelKeyInput;

[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class ModelKeyOutput
{
    [ColumnName(SavedFormat.Key)]
    public string Key { get; set; } = "";
}

/// <summary>Produces the constant key under which the saved chain's lookups hold their values.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[CustomMappingFactoryAttribute(SavedFormat.KeyContract)]
public sealed class ModelKeyMapping : CustomMappingFactory<ModelKeyInput, ModelKeyOutput>
{
    public override Action<ModelKeyInput, ModelKeyOutput> GetMapping() => static (_, output) => output.Key = SavedFormat.LookupKey;
}

[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class ScoringInput
{
    [ColumnName(SavedFormat.Features)]
    public float[] Features { get; set; } = [];

    [ColumnName(SavedFormat.Model)]
    public VBuffer<ReadOnlyMemory<char>> Model { get; set; }
}

[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class ScoringOutput
{
    /// <summary>The class probabilities as fixed-width round-trip text, rebuilt into a known-size vector by an Expression.</summary>
    [ColumnName(SavedFormat.ScoreText)]
    public string ScoreText { get; set; } = "";

    /// <summary>The 0-based index of the most probable class (of the first position: the class of a classifier).</summary>
    [ColumnName(SavedFormat.Index)]
    public uint Index { get; set; }

    /// <summary>The most probable class at each position (pixel) as fixed-width text, rebuilt into a known-size vector by an Expression.</summary>
    [ColumnName(SavedFormat.ArgMaxText)]
    public string ArgMaxText { get; set; } = "";
}

/// <summary>Scores one row with the engine; the model is decoded from its text values once per loaded chain.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[CustomMappingFactoryAttribute(SavedFormat.ScoringContract)]
public sealed class ScoringMapping : CustomMappingFactory<ScoringInput, ScoringOutput>
{
    public override Action<ScoringInput, ScoringOutput> GetMapping()
    {
        var cache = new DecodedModel();
        return (input, output) =>
        {
            var model = cache.Get(input.Model);
            int size = model.SampleShape.Size, k = model.OutputShape.Size;
            if (input.Features.Length != size)
                throw new InvalidOperationException($"ConvNet: the feature column has {input.Features.Length} values, expected {size} for input shape {model.SampleShape}.");
            var buffer = ArrayPool<float>.Shared.Rent(size + k);
            try
            {
                var features = buffer.AsSpan(0, size);
                var scores = buffer.AsSpan(size, k);
                input.Features.CopyTo(features);
                model.Score(features, 1, scores);
                output.ScoreText = ScoreText(scores);
                output.ArgMaxText = ArgMaxText(scores, model.ClassCount);
                output.Index = (uint)ScoringColumns.ArgMax(scores[..model.ClassCount]);
            }
            finally
            {
                ArrayPool<float>.Shared.Return(buffer);
            }
        };
    }

    private static string ScoreText(ReadOnlySpan<float> scores)
    {
        var text = scores.Length * SavedFormat.ScoreWidth <= 4096 ? stackalloc char[scores.Length * SavedFormat.ScoreWidth] : new char[scores.Length * SavedFormat.ScoreWidth];
        text.Fill(' ');
        for (int i = 0; i < scores.Length; i++)
            scores[i].TryFormat(text.Slice(i * SavedFormat.ScoreWidth, SavedFormat.ScoreWidth), out _, "R", CultureInfo.InvariantCulture);
        return new string(text);
    }

    /// <summary>The class index of each position of (classes, positions) scores, in zero-padded fixed-width fields.</summary>
    private static string ArgMaxText(ReadOnlySpan<float> scores, int classes)
    {
        int positions = scores.Length / classes;
        var best = ArrayPool<uint>.Shared.Rent(positions);
        try
        {
            ConvNetSegmentationTransformer.ArgMaxPerPixel(scores, positions, best.AsSpan(0, positions));
            return string.Create(positions * SavedFormat.ArgMaxWidth, best, (text, b) =>
            {
                for (int j = 0; j < text.Length / SavedFormat.ArgMaxWidth; j++)
                    b[j].TryFormat(text.Slice(j * SavedFormat.ArgMaxWidth, SavedFormat.ArgMaxWidth), out _, "D6", CultureInfo.InvariantCulture);
            });
        }
        finally
        {
            ArrayPool<uint>.Shared.Return(best);
        }
    }

    /// <summary>The last model decoded by this mapping, shared by its cursors and prediction engines.</summary>
    private sealed class DecodedModel
    {
        private readonly Lock _lock = new();
        private volatile Entry? _current;

        public ConvNetModel Get(in VBuffer<ReadOnlyMemory<char>> values)
        {
            var first = values.Length > 0 ? values.GetItemOrDefault(0) : default;
            if (_current is { } current && first.Span.SequenceEqual(current.Identity)) return current.Model;
            lock (_lock)
            {
                string identity = ModelBlob.Identity(values);
                if (_current is { } again && again.Identity == identity) return again.Model;
                var entry = new Entry(identity, ModelBlob.Decode(values).Model);
                _current = entry;
                return entry.Model;
            }
        }

        private sealed record Entry(string Identity, ConvNetModel Model);
    }
}
