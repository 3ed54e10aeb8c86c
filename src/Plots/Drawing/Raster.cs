using SkiaSharp;

namespace MlNetConv.Plots;

/// <summary>
/// An opaque RGBA picture drawn with whole pixels only: rectangles, lines of a whole thickness, markers, images zoomed by
/// nearest neighbour and text in <see cref="BitmapFont"/>. Nothing is anti-aliased and no system font is read, so the
/// same drawing calls give the same pixels, and the same PNG bytes, on every machine. Everything is clipped to the picture.
/// </summary>
internal sealed class Raster
{
    /// <summary>The most pixels a figure may have (256 MB of RGBA while it is drawn).</summary>
    public const long MaxPixels = 1L << 26;

    public Raster(int width, int height, Rgb background)
    {
        if (width < 1 || height < 1 || (long)width * height > MaxPixels)
            throw new ArgumentException($"A figure of {width}x{height} pixels is outside 1 to {MaxPixels} pixels: draw fewer or smaller parts.");
        Width = width;
        Height = height;
        Rgba = new byte[width * height * 4];
        FillRect(0, 0, width, height, background);
    }

    public int Width { get; }
    public int Height { get; }

    /// <summary>(Height, Width, 4) red, green, blue, alpha (always 255).</summary>
    public byte[] Rgba { get; }

    public Rgb this[int x, int y]
    {
        get
        {
            int at = (y * Width + x) * 4;
            return new Rgb(Rgba[at], Rgba[at + 1], Rgba[at + 2]);
        }
    }

    public void Set(int x, int y, Rgb colour)
    {
        if ((uint)x >= (uint)Width || (uint)y >= (uint)Height) return;
        int at = (y * Width + x) * 4;
        (Rgba[at], Rgba[at + 1], Rgba[at + 2], Rgba[at + 3]) = (colour.R, colour.G, colour.B, 255);
    }

    public void FillRect(int left, int top, int width, int height, Rgb colour)
    {
        int x0 = Math.Max(0, left), y0 = Math.Max(0, top), x1 = Math.Min(Width, left + width), y1 = Math.Min(Height, top + height);
        for (int y = y0; y < y1; y++)
            for (int x = x0; x < x1; x++)
                Set(x, y, colour);
    }

    /// <summary>A one-pixel outline whose outer edge is the rectangle.</summary>
    public void StrokeRect(int left, int top, int width, int height, Rgb colour)
    {
        FillRect(left, top, width, 1, colour);
        FillRect(left, top + height - 1, width, 1, colour);
        FillRect(left, top, 1, height, colour);
        FillRect(left + width - 1, top, 1, height, colour);
    }

    /// <summary>A line from (x0, y0) to (x1, y1) (Bresenham's steps) drawn with a square pen of <paramref name="thickness"/> pixels.</summary>
    public void Line(int x0, int y0, int x1, int y1, Rgb colour, int thickness = 1)
    {
        int dx = Math.Abs(x1 - x0), dy = -Math.Abs(y1 - y0), sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1, error = dx + dy;
        int before = (thickness - 1) / 2;
        while (true)
        {
            FillRect(x0 - before, y0 - before, thickness, thickness, colour);
            if (x0 == x1 && y0 == y1) break;
            int twice = 2 * error;
            if (twice >= dy) { error += dy; x0 += sx; }
            if (twice <= dx) { error += dx; y0 += sy; }
        }
    }

    /// <summary>A filled marker centred on (x, y), <paramref name="radius"/> pixels from its centre to its edge.</summary>
    public void Marker(Marker shape, int x, int y, int radius, Rgb colour)
    {
        for (int v = -radius; v <= radius; v++)
            for (int u = -radius; u <= radius; u++)
            {
                bool inside = shape switch
                {
                    Plots.Marker.Circle => u * u + v * v <= radius * radius + radius,
                    Plots.Marker.Square => Math.Abs(u) < radius && Math.Abs(v) < radius,
                    Plots.Marker.Diamond => Math.Abs(u) + Math.Abs(v) <= radius,
                    Plots.Marker.Triangle => v >= -radius && 2 * Math.Abs(u) <= v + radius,
                    Plots.Marker.TriangleDown => v <= radius && 2 * Math.Abs(u) <= radius - v,
                    Plots.Marker.Cross => Math.Abs(Math.Abs(u) - Math.Abs(v)) <= 1,
                    _ => Math.Abs(u) <= 1 || Math.Abs(v) <= 1,
                };
                if (inside) Set(x + u, y + v, colour);
            }
    }

    /// <summary>Text with its top-left corner at (x, y).</summary>
    public void Text(string text, int x, int y, int scale, Rgb ink) => BitmapFont.Draw(Rgba, Width, Height, text, x, y, scale, ink);

    /// <summary>Text centred on column <paramref name="centre"/>, its top at <paramref name="y"/>.</summary>
    public void TextCentred(string text, int centre, int y, int scale, Rgb ink) => Text(text, centre - BitmapFont.Width(text, scale) / 2, y, scale, ink);

    /// <summary>Text ending at column <paramref name="right"/> (inclusive), its top at <paramref name="y"/>.</summary>
    public void TextRight(string text, int right, int y, int scale, Rgb ink) => Text(text, right - BitmapFont.Width(text, scale) + 1, y, scale, ink);

    /// <summary>Text reading upward, centred on row <paramref name="middle"/>, the top of its letters at column <paramref name="x"/>.</summary>
    public void TextUp(string text, int x, int middle, int scale, Rgb ink) =>
        BitmapFont.Draw(Rgba, Width, Height, text, x, middle - BitmapFont.Width(text, scale) / 2, scale, ink, upward: true);

    /// <summary>An image with its top-left corner at (left, top), each pixel a <paramref name="zoom"/> x <paramref name="zoom"/> square.</summary>
    public void Image(GridImage image, int left, int top, int zoom)
    {
        for (int y = 0; y < image.Height; y++)
            for (int x = 0; x < image.Width; x++)
            {
                int at = (y * image.Width + x) * 3;
                FillRect(left + x * zoom, top + y * zoom, zoom, zoom, new Rgb(image.Rgb[at], image.Rgb[at + 1], image.Rgb[at + 2]));
            }
    }

    public SKBitmap ToBitmap()
    {
        var bitmap = new SKBitmap(new SKImageInfo(Width, Height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        System.Runtime.InteropServices.Marshal.Copy(Rgba, 0, bitmap.GetPixels(), Rgba.Length);
        return bitmap;
    }

    /// <summary>The picture as PNG bytes (SkiaSharp's encoder: the same bytes for the same pixels).</summary>
    public byte[] EncodePng()
    {
        using var image = SKImage.FromPixelCopy(new SKImageInfo(Width, Height, SKColorType.Rgba8888, SKAlphaType.Opaque), Rgba)
            ?? throw new InvalidOperationException($"Could not make a {Width}x{Height} image.");
        using var png = image.Encode(SKEncodedImageFormat.Png, 100) ?? throw new InvalidOperationException($"Could not encode a {Width}x{Height} image as PNG.");
        return png.ToArray();
    }
}
