using System.Text.Json;
using Microsoft.ML.Data;
using MlNetConv.Backends;

namespace MlNetConv.Estimators.Persistence;

/// <summary>
/// What a saved transformer needs besides its network: its task ("classification" or "segmentation"), columns and
/// batch size, and for segmentation the class names (a classifier's come from the saved label values).
/// </summary>
internal sealed record SavedSettings(string Task, string FeatureColumn, bool ImageInput, string? ImagePathColumn, string ScoreColumn,
    string PredictedColumn, int BatchSize, string[]? ClassNames)
{
    public const string Classification = "classification", Segmentation = "segmentation";

    public static SavedSettings Of(ConvNetTransformer t) => t switch
    {
        ConvNetClassificationTransformer c => new(Classification, c.FeatureColumnName, c.ImageInput, c.ImagePathColumnName, c.ScoreColumnName,
            c.PredictedLabelColumnName, c.BatchSize, null),
        ConvNetSegmentationTransformer s => new(Segmentation, s.FeatureColumnName, s.ImageInput, s.ImagePathColumnName, s.ScoreColumnName,
            s.PredictedMaskColumnName, s.BatchSize, [.. s.ClassNames]),
        _ => throw new NotSupportedException($"Saving {t.GetType().Name} is not supported."),
    };
}

/// <summary>
/// A trained transformer as text values small enough for ML.NET's saver: a header (format version, byte count and the
/// model file's own SHA-256, which identifies the model), the settings as JSON, then the model file
/// (<see cref="ConvNetModel.Bytes"/>) in base64 chunks of <see cref="SavedFormat.ChunkChars"/> characters.
/// </summary>
internal static class ModelBlob
{
    private const int HashSize = 32;

    public static string[] Encode(ConvNetTransformer t)
    {
        var bytes = t.Model.Bytes.Span;
        var settings = SavedSettings.Of(t);
        int chunkBytes = SavedFormat.ChunkChars / 4 * 3;
        var values = new List<string> { Header(bytes), JsonSerializer.Serialize(settings) };
        for (int at = 0; at < bytes.Length; at += chunkBytes)
            values.Add(Convert.ToBase64String(bytes.Slice(at, Math.Min(chunkBytes, bytes.Length - at))));
        return [.. values];
    }

    /// <summary>The header, which names the model: equal headers mean equal models.</summary>
    public static string Identity(in VBuffer<ReadOnlyMemory<char>> values) =>
        values.Length > 0 ? values.GetItemOrDefault(0).ToString() : throw Corrupt("the model column is empty");

    public static (ConvNetModel Model, SavedSettings Settings) Decode(in VBuffer<ReadOnlyMemory<char>> values, IBackend? backend = null)
    {
        var items = values.DenseValues().ToArray();
        if (items.Length < 2) throw Corrupt($"the model column has {items.Length} values, at least 2 are needed");
        var header = items[0].ToString().Split(';');
        if (header[0] != SavedFormat.Version)
            throw Corrupt($"unknown format '{header[0]}' (this library reads {SavedFormat.Version}); upgrade MlNetConv");
        if (header.Length != 3 || !header[1].StartsWith("bytes=") || !int.TryParse(header[1].AsSpan(6), out int length) || length < HashSize)
            throw Corrupt($"bad header '{items[0]}'");
        var settings = JsonSerializer.Deserialize<SavedSettings>(items[1].Span) ?? throw Corrupt("missing settings");
        var bytes = new byte[length];
        int written = 0;
        for (int i = 2; i < items.Length; i++)
        {
            if (!Convert.TryFromBase64Chars(items[i].Span, bytes.AsSpan(written), out int n)) throw Corrupt($"chunk {i - 2} is not valid base64 or too long");
            written += n;
        }
        if (written != length) throw Corrupt($"{written} model bytes where the header announces {length}");
        if (Header(bytes) != items[0].ToString()) throw Corrupt("the model bytes do not match the header's hash");
        try
        {
            return (ConvNetModel.FromBytes(bytes, backend), settings);
        }
        catch (InvalidDataException e)
        {
            throw Corrupt(e.Message.TrimEnd('.'));
        }
    }

    private static string Header(ReadOnlySpan<byte> bytes) => $"{SavedFormat.Version};bytes={bytes.Length};sha256={Convert.ToHexString(bytes[^HashSize..])}";

    private static InvalidDataException Corrupt(string problem) => new($"ConvNet model in the ML.NET zip: {problem}.");
}
