using System.Text.Json;
using Microsoft.ML.Data;
using MlNetConv.Backends;
using MlNetConv.Transforms;

namespace MlNetConv.Estimators.Persistence;

/// <summary>
/// What a saved transformer needs besides its network: its task ("classification", "segmentation" or "featurization"), columns and
/// batch size, for segmentation the class names (a classifier's come from the saved label values), and for an image
/// column how its pixels are read (absent in older zips: R, G, B scaled to [0, 1]; the size and channels are the network's
/// input, the normalisation is the model's).
/// </summary>
internal sealed record SavedSettings(string Task, string FeatureColumn, bool ImageInput, string? ImagePathColumn, string ScoreColumn,
    string PredictedColumn, int BatchSize, string[]? ClassNames)
{
    public const string Classification = "classification", Segmentation = "segmentation", Featurization = "featurization";

    public ChannelOrder? ChannelOrder { get; init; }
    public float? PixelOffset { get; init; }
    public float? PixelScale { get; init; }

    public static SavedSettings Of(ConvNetTransformer t) => (t switch
    {
        ConvNetClassificationTransformer c => new SavedSettings(Classification, c.FeatureColumnName, c.ImageInput, c.ImagePathColumnName, c.ScoreColumnName,
            c.PredictedLabelColumnName, c.BatchSize, null),
        ConvNetSegmentationTransformer s => new SavedSettings(Segmentation, s.FeatureColumnName, s.ImageInput, s.ImagePathColumnName, s.ScoreColumnName,
            s.PredictedMaskColumnName, s.BatchSize, [.. s.ClassNames]),
        ConvNetFeaturizerTransformer f => new SavedSettings(Featurization, f.FeatureColumnName, f.ImageInput, f.ImagePathColumnName, f.OutputColumnName,
            "", f.BatchSize, null),
        _ => throw new NotSupportedException($"Saving {t.GetType().Name} is not supported."),
    }) with { ChannelOrder = t.ImagePreprocessing?.Order, PixelOffset = t.ImagePreprocessing?.Offset, PixelScale = t.ImagePreprocessing?.Scale };

    /// <summary>How the saved model reads images, or null for a float-vector column.</summary>
    /// <exception cref="InvalidDataException">the saved pixel scale or offset is not finite</exception>
    public ImagePreprocessing? ImagePreprocessing(ConvNetModel model)
    {
        if (!ImageInput) return null;
        if (PixelScale is { } scale && !float.IsFinite(scale) || PixelOffset is { } offset && !float.IsFinite(offset) || ChannelOrder is { } order && !Enum.IsDefined(order))
            throw new InvalidDataException($"ConvNet model in the ML.NET zip: bad pixel settings (order {ChannelOrder}, offset {PixelOffset}, scale {PixelScale}).");
        var shape = model.SampleShape;
        if (shape.Rank != 3 || shape[0] is not (1 or 3))
            throw new InvalidDataException($"ConvNet model in the ML.NET zip: an image model's input must be (1 or 3, H, W), this one is {shape}.");
        return Transforms.ImagePreprocessing.Default(shape) with
        {
            Order = ChannelOrder ?? Transforms.ChannelOrder.Rgb,
            Offset = PixelOffset ?? 0,
            Scale = PixelScale ?? Transforms.ImagePreprocessing.DefaultScale,
            Normalization = model.Normalization,
        };
    }
}

/// <summary>
/// A trained transformer as text values small enough for ML.NET's saver, one array of them per lookup of the saved chain:
/// part 0 is a header (format version, byte count and the model file's own SHA-256, which identifies the model) and
/// the settings as JSON; parts 1.. carry the model file (<see cref="ConvNetModel.Bytes"/>), one <see cref="Text15"/> text of
/// at most <see cref="SavedFormat.PartBytes"/> bytes each. Concatenated, the parts are the model column the scoring mapping
/// reads. (v1 had the same values, its pieces base64 and all in one lookup.)
/// </summary>
internal static class ModelBlob
{
    private const int HashSize = 32;

    /// <summary>The number of parts of a model file of <paramref name="modelBytes"/> bytes: the header part and the pieces.</summary>
    public static int PartCount(int modelBytes, int partBytes) => 1 + (modelBytes + partBytes - 1) / partBytes;

    /// <summary>The values of part <paramref name="part"/> (0 ≤ part &lt; <see cref="PartCount"/>).</summary>
    /// <param name="partBytes">model-file bytes per part, whole groups of <see cref="Text15.GroupBytes"/> so that only the last part is padded</param>
    public static string[] Encode(ConvNetTransformer t, int part, int partBytes = SavedFormat.PartBytes)
    {
        if (partBytes <= 0 || partBytes % Text15.GroupBytes != 0)
            throw new ArgumentOutOfRangeException(nameof(partBytes), partBytes, $"Parts must hold a positive multiple of {Text15.GroupBytes} bytes.");
        var bytes = t.Model.Bytes.Span;
        if (part < 0 || part >= PartCount(bytes.Length, partBytes)) throw new ArgumentOutOfRangeException(nameof(part), part, "No such part.");
        if (part == 0) return [Header(bytes), JsonSerializer.Serialize(SavedSettings.Of(t))];
        int at = (part - 1) * partBytes;
        return [Text15.Encode(bytes.Slice(at, Math.Min(partBytes, bytes.Length - at)))];
    }

    /// <summary>The header, which names the model: equal headers mean equal models.</summary>
    public static string Identity(in VBuffer<ReadOnlyMemory<char>> values) =>
        values.Length > 0 ? values.GetItemOrDefault(0).ToString() : throw Corrupt("the model column is empty");

    /// <summary>The model from the concatenated parts (v2) or the one lookup (v1): header, settings, then the pieces decoded one by one into the model file.</summary>
    public static (ConvNetModel Model, SavedSettings Settings) Decode(in VBuffer<ReadOnlyMemory<char>> values, IBackend? backend = null)
    {
        var items = values.DenseValues().ToArray();
        if (items.Length < 2) throw Corrupt($"the model column has {items.Length} values, at least 2 are needed");
        var header = items[0].ToString().Split(';');
        if (header[0] is not (SavedFormat.Version or SavedFormat.Version1))
            throw Corrupt($"unknown format '{header[0]}' (this library reads {SavedFormat.Version} and {SavedFormat.Version1}); upgrade MlNetConv");
        if (header.Length != 3 || !header[1].StartsWith("bytes=") || !int.TryParse(header[1].AsSpan(6), out int length) || length < HashSize)
            throw Corrupt($"bad header '{items[0]}'");
        var settings = JsonSerializer.Deserialize<SavedSettings>(items[1].Span) ?? throw Corrupt("missing settings");
        var bytes = new byte[length];
        int written = 0;
        for (int i = 2; i < items.Length; i++)
            written += DecodePiece(header[0], items[i].Span, bytes.AsSpan(written), last: i == items.Length - 1)
                ?? throw Corrupt($"piece {i - 2} is not valid {(header[0] == SavedFormat.Version1 ? "base64" : "text")} or does not fit the {length} bytes the header announces");
        if (written != length) throw Corrupt($"{written} model bytes where the header announces {length}");
        if (Header(bytes, header[0]) != items[0].ToString()) throw Corrupt("the model bytes do not match the header's hash");
        try
        {
            return (ConvNetModel.FromOwnedBytes(bytes, backend, probabilities: settings.Task != SavedSettings.Featurization), settings);
        }
        catch (InvalidDataException e)
        {
            throw Corrupt(e.Message.TrimEnd('.'));
        }
    }

    /// <summary>Decodes one piece to the start of <paramref name="rest"/>: the bytes written, or null when it is not valid or too long.</summary>
    private static int? DecodePiece(string version, ReadOnlySpan<char> piece, Span<byte> rest, bool last)
    {
        if (version == SavedFormat.Version1) return Convert.TryFromBase64Chars(piece, rest, out int n) ? n : null;
        // Every piece but the last holds whole groups; the last holds what the header's byte count leaves.
        long count = last ? rest.Length : (long)piece.Length / Text15.GroupChars * Text15.GroupBytes;
        return count <= rest.Length && Text15.TryDecode(piece, rest[..(int)count]) ? (int)count : null;
    }

    private static string Header(ReadOnlySpan<byte> bytes, string version = SavedFormat.Version) =>
        $"{version};bytes={bytes.Length};sha256={Convert.ToHexString(bytes[^HashSize..])}";

    private static InvalidDataException Corrupt(string problem) => new($"ConvNet model in the ML.NET zip: {problem}.");
}
