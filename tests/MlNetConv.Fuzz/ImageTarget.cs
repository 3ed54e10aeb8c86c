using MlNetConv.Estimators;
using SkiaSharp;

namespace MlNetConv.Fuzz;

/// <summary>
/// A PNG or JPEG of real MNIST digits (three digits as R, G, B, scaled to 112x112) checked by <see cref="ImageFileCheck"/>:
/// damaged bytes, and for PNG a header whose size is forged with a valid CRC. An image the check passes is decoded and
/// compared with the original's pixels.
/// </summary>
public sealed class ImageTarget : FuzzTarget
{
    private const int Size = 112;
    private readonly SKEncodedImageFormat _format;
    private readonly byte[] _pixels;

    public ImageTarget(SKEncodedImageFormat format)
    {
        _format = format;
        Original = DigitPicture.Encode(format, Size, first: 3);
        _pixels = Decode(Original)!;
    }

    public override string Name => _format == SKEncodedImageFormat.Png ? "png" : "jpeg";
    public override byte[] Original { get; }

    public override byte[] Mutate(Random random)
    {
        if (_format != SKEncodedImageFormat.Png || random.Next(5) > 0) return Mutations.AnyBytes(Original, random);
        var bytes = (byte[])Original.Clone();
        var (width, height) = PngHeader.Size(bytes);
        uint forged = (uint)random.Next(1, int.MaxValue);
        if (random.Next(2) == 0) PngHeader.ForgeSize(bytes, forged, height);
        else PngHeader.ForgeSize(bytes, width, forged);
        return bytes;
    }

    public override bool ReadsAsOriginal(byte[] bytes)
    {
        if (ImageFileCheck.Problem(new MemoryStream(bytes)) is { } problem) throw new InvalidDataException(problem);
        // A picture of another size is another picture; only one of the original's size is decoded to compare pixels,
        // so the comparison itself never allocates more than the original's decoding did.
        using (var codec = SKCodec.Create(new MemoryStream(bytes)))
            if (codec is null || codec.Info.Width != Size || codec.Info.Height != Size) return false;
        return Decode(bytes) is { } pixels && pixels.AsSpan().SequenceEqual(_pixels);
    }

    /// <summary>
    /// <see cref="ImageFileCheck"/> decodes in strips of 16 rows of RGBA; the decoder keeps rows of about that size too
    /// (a JPEG's MCU rows). A header that declares a wider image (within the check's pixel limit) costs two such strips
    /// per extra column; none over the check's pixel limit, which it refuses from the header.
    /// </summary>
    public override long DeclaredSizeAllowance(byte[] bytes)
    {
        using var codec = SKCodec.Create(new MemoryStream(bytes));
        // Over the pixel limit the check refuses the header and decodes nothing.
        if (codec is null || (long)codec.Info.Width * codec.Info.Height > ImageFileCheck.DefaultMaxPixels) return 0;
        return 2L * 16 * 4 * Math.Max(0, codec.Info.Width - Size);
    }

    private static byte[]? Decode(byte[] bytes)
    {
        using var bitmap = SKBitmap.Decode(bytes);
        return bitmap?.Bytes;
    }
}
