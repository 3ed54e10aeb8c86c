using MlNetConv.Persistence;
using SkiaSharp;

namespace MlNetConv.Estimators;

/// <summary>Class maps as colour PNG files: class 0 black, the others from a fixed palette of distinct colours.</summary>
public static class MaskImages
{
    private static readonly SKColor[] Palette =
    [
        new(0, 0, 0), new(230, 25, 75), new(60, 180, 75), new(255, 225, 25), new(0, 130, 200), new(245, 130, 48),
        new(145, 30, 180), new(70, 240, 240), new(240, 50, 230), new(210, 245, 60), new(250, 190, 212), new(0, 128, 128),
        new(220, 190, 255), new(170, 110, 40), new(255, 250, 200), new(128, 0, 0), new(170, 255, 195), new(128, 128, 0),
    ];

    /// <summary>The colour of a class; classes beyond the palette get hues around the colour wheel.</summary>
    public static SKColor ColorOf(uint label) => label < Palette.Length ? Palette[label] : SKColor.FromHsv(label * 47 % 360, 80, 90);

    /// <summary>Writes a class map (H·W class indices) as a colour PNG, through a temporary file renamed into place.</summary>
    public static void Save(string path, ReadOnlySpan<uint> mask, int height, int width, int scale = 1) =>
        SideBySide(path, height, width, scale, [(Kind.Mask, mask.ToArray(), null)]);

    /// <summary>
    /// Writes the input image (C, H, W values in [0, 1]; grey or RGB), the true mask and the predicted mask side by side
    /// as one PNG, each enlarged <paramref name="scale"/> times.
    /// </summary>
    public static void SaveSideBySide(string path, ReadOnlySpan<float> image, int channels, ReadOnlySpan<uint> truth, ReadOnlySpan<uint> predicted,
        int height, int width, int scale = 4)
    {
        if (image.Length != channels * height * width) throw new ArgumentException($"The image has {image.Length} values, expected {channels}x{height}x{width}.");
        SideBySide(path, height, width, scale,
            [(Kind.Image, null, (image.ToArray(), channels)), (Kind.Mask, truth.ToArray(), null), (Kind.Mask, predicted.ToArray(), null)]);
    }

    private enum Kind { Image, Mask }

    private static void SideBySide(string path, int height, int width, int scale, (Kind Kind, uint[]? Mask, (float[] Pixels, int Channels)? Image)[] panels)
    {
        if (scale < 1) throw new ArgumentOutOfRangeException(nameof(scale), scale, "The scale is 1 or more.");
        int gap = panels.Length > 1 ? 2 * scale : 0, panelWidth = width * scale;
        using var bitmap = new SKBitmap(panels.Length * panelWidth + (panels.Length - 1) * gap, height * scale, SKColorType.Rgba8888, SKAlphaType.Opaque);
        bitmap.Erase(SKColors.White);
        for (int p = 0; p < panels.Length; p++)
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++)
                {
                    var color = panels[p].Kind == Kind.Mask ? ColorOf(panels[p].Mask![y * width + x]) : Pixel(panels[p].Image!.Value, y * width + x, height * width);
                    for (int dy = 0; dy < scale; dy++)
                        for (int dx = 0; dx < scale; dx++) bitmap.SetPixel(p * (panelWidth + gap) + x * scale + dx, y * scale + dy, color);
                }
        using var file = AtomicFile.Create(path);
        if (!bitmap.Encode(file.Stream, SKEncodedImageFormat.Png, 100)) throw new IOException($"Could not encode '{path}' as PNG.");
        file.Commit();
    }

    private static SKColor Pixel((float[] Pixels, int Channels) image, int at, int plane)
    {
        static byte Byte(float v) => (byte)Math.Clamp(MathF.Round(v * 255), 0, 255);
        var (pixels, channels) = image;
        return channels >= 3
            ? new SKColor(Byte(pixels[at]), Byte(pixels[plane + at]), Byte(pixels[2 * plane + at]))
            : new SKColor(Byte(pixels[at]), Byte(pixels[at]), Byte(pixels[at]));
    }
}
