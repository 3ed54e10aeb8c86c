using SkiaSharp;

namespace MlNetConv.Estimators;

/// <summary>
/// A strict look at an image file before ML.NET's <c>LoadImages</c> decodes it. That decoder keeps whatever part of a
/// damaged file it can read: a PNG cut to 15 % of its bytes becomes a picture whose missing rows are blank, and is
/// trained on and scored without a word. Here the header's size is checked against a pixel limit first (a
/// 25,000 x 25,000 PNG would take minutes and gigabytes to decode), then every row the header promises must decode,
/// sixteen rows at a time where the format allows (PNG, JPEG, BMP), so the check holds one strip, not the picture.
/// </summary>
public static class ImageFileCheck
{
    /// <summary>The default pixel limit: 50 megapixels (an 8,660 x 5,773 photograph; 200 MB decoded).</summary>
    public const long DefaultMaxPixels = 50_000_000;

    /// <summary>Why <paramref name="path"/> is not a whole, decodable image within <paramref name="maxPixels"/>, or null when it is.</summary>
    public static string? Problem(string path, long maxPixels = DefaultMaxPixels)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxPixels);
        try
        {
            using var stream = File.OpenRead(path);
            return Problem(stream, maxPixels);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return e is FileNotFoundException or DirectoryNotFoundException ? "the file does not exist" : $"it cannot be read ({e.Message.TrimEnd('.')})";
        }
    }

    /// <summary>Why the image in <paramref name="stream"/> is not whole and decodable within <paramref name="maxPixels"/>, or null when it is.</summary>
    public static string? Problem(Stream stream, long maxPixels = DefaultMaxPixels)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var codec = SKCodec.Create(stream, out var opened);
        if (codec is null) return $"it cannot be decoded as an image ({Describe(opened)})";
        var header = codec.Info;
        if (header.Width <= 0 || header.Height <= 0) return "the image is empty";
        long pixels = (long)header.Width * header.Height;
        if (pixels > maxPixels || pixels * 4 > Array.MaxLength)
            return $"the image is {header.Width} x {header.Height} = {pixels / 1e6:F1} megapixels, over the limit of {maxPixels / 1e6:F1}";
        // Decode every row into 8-bit RGBA; the codec reports rows the data did not reach as incomplete input.
        var target = new SKImageInfo(header.Width, header.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var decoded = DecodeByRows(codec, target) ?? DecodeWhole(codec, target);
        return decoded == SKCodecResult.Success ? null : $"{Describe(decoded)} ({header.Width} x {header.Height} declared)";
    }

    /// <summary>Rows at a time into one small buffer (PNG, JPEG, BMP); null where the format decodes only whole (GIF, WebP, interlaced PNG).</summary>
    private static unsafe SKCodecResult? DecodeByRows(SKCodec codec, SKImageInfo target)
    {
        if (codec.StartScanlineDecode(target) != SKCodecResult.Success) return null;
        const int RowsAtOnce = 16;
        var rows = GC.AllocateUninitializedArray<byte>(target.RowBytes * RowsAtOnce);
        fixed (byte* p = rows)
            for (int row = 0; row < target.Height; row += RowsAtOnce)
            {
                int count = Math.Min(RowsAtOnce, target.Height - row);
                if (codec.GetScanlines((IntPtr)p, count, target.RowBytes) < count) return SKCodecResult.IncompleteInput;
            }
        return SKCodecResult.Success;
    }

    /// <summary>The whole picture at once: a buffer of the declared size, which the pixel limit bounds.</summary>
    private static unsafe SKCodecResult DecodeWhole(SKCodec codec, SKImageInfo target)
    {
        var pixels = GC.AllocateUninitializedArray<byte>(checked((int)target.BytesSize64));
        fixed (byte* p = pixels)
            return codec.GetPixels(target, (IntPtr)p);
    }

    /// <summary>
    /// Whether the image's header declares an alpha channel: its transparent areas are read composited over black
    /// (each channel α·c / 255), as ML.NET's ExtractPixels reads them. False for a file that cannot be opened.
    /// </summary>
    public static bool HasAlpha(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            using var codec = SKCodec.Create(stream);
            return codec is not null && codec.Info.AlphaType != SKAlphaType.Opaque;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static string Describe(SKCodecResult result) => result switch
    {
        SKCodecResult.IncompleteInput => "the file is truncated: not every row of the image is in it",
        SKCodecResult.ErrorInInput => "its image data is corrupt",
        SKCodecResult.InvalidInput or SKCodecResult.Unimplemented => "the format is not one of PNG, JPEG, BMP, GIF or WebP, or the header is damaged",
        SKCodecResult.InvalidConversion => "its pixel format cannot be read as RGBA",
        _ => $"the decoder reports {result}",
    };
}
