using MlNetConv.Data;
using SkiaSharp;

namespace MlNetConv.Fuzz;

/// <summary>Real pictures to damage: three digits of the bundled MNIST set as the R, G and B planes, scaled up.</summary>
public static class DigitPicture
{
    private static readonly Lazy<MnistDigits> Digits = new(() => MnistDigits.Load(MnistDigits.FindDefault()));

    /// <summary>Digits <paramref name="first"/>, +1 and +2 as R, G and B, scaled to <paramref name="size"/> x <paramref name="size"/> and encoded.</summary>
    public static byte[] Encode(SKEncodedImageFormat format, int size, int first)
    {
        var digits = Digits.Value;
        using var bitmap = new SKBitmap(size, size, SKColorType.Rgba8888, SKAlphaType.Opaque);
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
            {
                int at = (y * MnistDigits.Rows / size) * MnistDigits.Columns + x * MnistDigits.Columns / size;
                byte Plane(int digit) => digits.Pixels.Span[digit * MnistDigits.PixelsPerImage + at];
                bitmap.SetPixel(x, y, new SKColor(Plane(first), Plane(first + 1), Plane(first + 2)));
            }
        using var data = bitmap.Encode(format, 90);
        return data.ToArray();
    }
}
