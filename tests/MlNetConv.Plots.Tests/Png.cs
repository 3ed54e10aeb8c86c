using SkiaSharp;

namespace MlNetConv.Plots.Tests;

/// <summary>A figure's PNG decoded back with SkiaSharp, and the pixel searches the tests make on it.</summary>
internal sealed class Png
{
    private readonly Rgb[] _pixels;

    public Png(byte[] png)
    {
        using var bitmap = SKBitmap.Decode(png) ?? throw new InvalidDataException("not a PNG SkiaSharp decodes");
        Width = bitmap.Width;
        Height = bitmap.Height;
        _pixels = [.. bitmap.Pixels.Select(p => new Rgb(p.Red, p.Green, p.Blue))];
    }

    public static Png Of(Figure figure) => new(figure.ToPng());

    public int Width { get; }
    public int Height { get; }

    public Rgb this[int x, int y] => _pixels[y * Width + x];

    /// <summary>The pixels of exactly <paramref name="colour"/> inside the rectangle (default: all the picture).</summary>
    public List<(int X, int Y)> Find(Rgb colour, int left = 0, int top = 0, int width = int.MaxValue, int height = int.MaxValue)
    {
        var found = new List<(int, int)>();
        for (int y = Math.Max(0, top); y < Math.Min(Height, (long)top + height); y++)
            for (int x = Math.Max(0, left); x < Math.Min(Width, (long)left + width); x++)
                if (_pixels[y * Width + x] == colour) found.Add((x, y));
        return found;
    }

    /// <summary>The mean position of the pixels of <paramref name="colour"/> left of x = <paramref name="width"/> (there must be at least <paramref name="least"/>).</summary>
    public (double X, double Y) Centroid(Rgb colour, int least = 1, int width = int.MaxValue)
    {
        var found = Find(colour, width: width);
        Assert.True(found.Count >= least, $"expected at least {least} pixels of {colour}, found {found.Count}");
        return (found.Average(p => p.X), found.Average(p => p.Y));
    }

    /// <summary>Pixels in the rectangle that are not the background.</summary>
    public int Ink(int left, int top, int width, int height) =>
        Enumerable.Range(Math.Max(0, top), Math.Max(0, Math.Min(Height, top + height) - Math.Max(0, top)))
            .Sum(y => Enumerable.Range(Math.Max(0, left), Math.Max(0, Math.Min(Width, left + width) - Math.Max(0, left))).Count(x => this[x, y] != Palette.Background));
}
