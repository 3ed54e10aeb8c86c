using MlNetConv.Data;
using SkiaSharp;

namespace MlNetConv.Tests.Shared;

/// <summary>Real MNIST digits of the bundled set written as 28x28 grey PNG files, and as IDX files.</summary>
internal static class DigitImages
{
    private static readonly Lazy<MnistDigits> Digits = new(() => MnistDigits.Load(MnistDigits.FindDefault()));

    /// <summary>The first <paramref name="count"/> digits from <paramref name="start"/> whose label is in <paramref name="labels"/>.</summary>
    public static IEnumerable<(int Index, int Label)> Select(int start, int count, params int[] labels)
    {
        var digits = Digits.Value;
        int found = 0;
        for (int i = start; i < digits.Count && found < count; i++)
            if (labels.Length == 0 || labels.Contains(digits.Label(i)))
            {
                found++;
                yield return (i, digits.Label(i));
            }
    }

    /// <summary>Writes digit <paramref name="index"/> as a grey PNG (R = G = B).</summary>
    public static void WritePng(int index, string path)
    {
        var pixels = Digits.Value.Pixels.Span.Slice(index * MnistDigits.PixelsPerImage, MnistDigits.PixelsPerImage);
        using var bitmap = new SKBitmap(MnistDigits.Columns, MnistDigits.Rows, SKColorType.Rgba8888, SKAlphaType.Opaque);
        for (int y = 0; y < MnistDigits.Rows; y++)
            for (int x = 0; x < MnistDigits.Columns; x++)
            {
                byte v = pixels[y * MnistDigits.Columns + x];
                bitmap.SetPixel(x, y, new SKColor(v, v, v));
            }
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var file = File.Create(path);
        bitmap.Encode(file, SKEncodedImageFormat.Png, 100);
    }

    /// <summary>
    /// Writes a colour PNG whose red, green and blue planes are three different digits, so that a reader that swaps, drops
    /// or mixes planes gives other values.
    /// </summary>
    public static void WriteColourPng(int red, int green, int blue, string path)
    {
        var digits = Digits.Value;
        ReadOnlySpan<byte> Plane(int index) => digits.Pixels.Span.Slice(index * MnistDigits.PixelsPerImage, MnistDigits.PixelsPerImage);
        using var bitmap = new SKBitmap(MnistDigits.Columns, MnistDigits.Rows, SKColorType.Rgba8888, SKAlphaType.Opaque);
        for (int y = 0; y < MnistDigits.Rows; y++)
            for (int x = 0; x < MnistDigits.Columns; x++)
            {
                int at = y * MnistDigits.Columns + x;
                bitmap.SetPixel(x, y, new SKColor(Plane(red)[at], Plane(green)[at], Plane(blue)[at]));
            }
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var file = File.Create(path);
        bitmap.Encode(file, SKEncodedImageFormat.Png, 100);
    }

    /// <summary>A folder with one sub-folder per label, one PNG per digit.</summary>
    public static string WriteClassFolder(string folder, int start, int count, params int[] labels)
    {
        foreach (var (index, label) in Select(start, count, labels))
            WritePng(index, Path.Combine(folder, label.ToString(), $"digit-{index}.png"));
        return folder;
    }

    /// <summary>IDX images and labels files of the selected digits; returns the <c>--data</c> value.</summary>
    public static string WriteIdx(string prefix, int start, int count, params int[] labels)
    {
        var selected = Select(start, count, labels).ToList();
        var pixels = new byte[selected.Count * MnistDigits.PixelsPerImage];
        for (int i = 0; i < selected.Count; i++)
            Digits.Value.Pixels.Span.Slice(selected[i].Index * MnistDigits.PixelsPerImage, MnistDigits.PixelsPerImage).CopyTo(pixels.AsSpan(i * MnistDigits.PixelsPerImage));
        string images = prefix + "-images.idx3-ubyte.gz", labelsFile = prefix + "-labels.idx1-ubyte";
        IdxFile.Write(images, [selected.Count, MnistDigits.Rows, MnistDigits.Columns], pixels, gzip: true);
        IdxFile.Write(labelsFile, [selected.Count], selected.Select(s => (byte)s.Label).ToArray());
        return $"idx:{images},{labelsFile}";
    }
}
