using SkiaSharp;

namespace MlNetConv.Plots;

/// <summary>An image for a figure or a neighbour grid cell: 8-bit RGB, from planar floats (grey or RGB) or an image file.</summary>
public sealed class GridImage
{
    /// <summary>The largest side accepted (a cell shows images scaled to its size).</summary>
    public const int MaxSide = 8192;

    private GridImage(int width, int height, byte[] rgb)
    {
        Width = width;
        Height = height;
        Rgb = rgb;
    }

    public int Width { get; }
    public int Height { get; }

    /// <summary>(Height, Width, 3) red, green, blue.</summary>
    internal byte[] Rgb { get; }

    /// <summary>
    /// An image from planar values, as ExtractPixels and the engine lay them out: (1, H, W) grey or (3, H, W) red, green,
    /// blue planes. Each value times <paramref name="scale"/> is rounded and clipped to 0..255: the default suits values
    /// in [0, 1] (ExtractPixels with scaleImage: 1f / 255); use 1 for values in [0, 255].
    /// </summary>
    /// <param name="values">(channels, height, width)</param>
    public static GridImage FromPlanar(ReadOnlySpan<float> values, int channels, int height, int width, float scale = 255f)
    {
        if (channels is not (1 or 3)) throw new ArgumentOutOfRangeException(nameof(channels), channels, "A grid image has 1 (grey) or 3 (red, green, blue) planes.");
        CheckSize(width, height, "planar values");
        if (values.Length != channels * height * width)
            throw new ArgumentException($"A ({channels}, {height}, {width}) image needs {channels * height * width} values, got {values.Length}.", nameof(values));
        if (!float.IsFinite(scale)) throw new ArgumentOutOfRangeException(nameof(scale), scale, "The scale must be finite.");
        int plane = height * width;
        var rgb = new byte[plane * 3];
        for (int i = 0; i < plane; i++)
            for (int c = 0; c < 3; c++)
            {
                float v = values[(channels == 1 ? 0 : c) * plane + i] * scale;
                rgb[i * 3 + c] = (byte)(float.IsNaN(v) ? 0 : Math.Clamp(MathF.Round(v), 0, 255));
            }
        return new GridImage(width, height, rgb);
    }

    /// <summary>An image file (PNG, JPEG, BMP, GIF, WebP); transparent pixels are composited over black, as the engine reads images.</summary>
    /// <exception cref="FileNotFoundException">there is no such file</exception>
    /// <exception cref="InvalidDataException">the file is not an image SkiaSharp can decode, or is too large</exception>
    public static GridImage FromFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"Grid image '{path}' does not exist.", path);
        using var codec = SKCodec.Create(path) ?? throw new InvalidDataException($"Grid image '{path}' is not an image that can be decoded.");
        var info = codec.Info;
        if (info.Width < 1 || info.Height < 1 || info.Width > MaxSide || info.Height > MaxSide)
            throw new InvalidDataException($"Grid image '{path}' is {info.Width}x{info.Height} pixels; a grid takes images of 1 to {MaxSide} pixels a side.");
        using var bitmap = SKBitmap.Decode(codec, new SKImageInfo(info.Width, info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul))
            ?? throw new InvalidDataException($"Grid image '{path}' could not be decoded.");
        var pixels = bitmap.Pixels;
        var rgb = new byte[pixels.Length * 3];
        for (int i = 0; i < pixels.Length; i++)
        {
            var p = pixels[i];
            rgb[i * 3] = (byte)((p.Red * p.Alpha + 127) / 255);
            rgb[i * 3 + 1] = (byte)((p.Green * p.Alpha + 127) / 255);
            rgb[i * 3 + 2] = (byte)((p.Blue * p.Alpha + 127) / 255);
        }
        return new GridImage(info.Width, info.Height, rgb);
    }

    private static void CheckSize(int width, int height, string what)
    {
        if (width < 1 || height < 1 || width > MaxSide || height > MaxSide)
            throw new ArgumentOutOfRangeException(nameof(width), $"Grid image from {what} is {width}x{height} pixels; a grid takes images of 1 to {MaxSide} pixels a side.");
    }
}
