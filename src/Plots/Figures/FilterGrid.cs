using System.Globalization;
using MlNetConv.Graphs;
using MlNetConv.Tensors;

namespace MlNetConv.Plots;

/// <summary>
/// A convolution's weights (out, in, kh, kw) as tiles, nearest-neighbour upscaled so that 5x5 kernels are visible: with 3
/// input channels one RGB tile per filter (input channels as red, green, blue, each filter scaled from its own minimum to
/// its maximum), in AlexNet's way; with 1 a grid of one tile per filter; otherwise one row per filter with a tile per
/// input channel. Single channels are drawn in a diverging map (blue negative, white zero, red positive, on one symmetric
/// scale for the layer, shown by a colour bar) or in grey (each filter from its minimum to its maximum).
/// </summary>
public sealed class FilterGrid : Figure
{
    /// <summary>The most filters and the most input channels per filter drawn (the first ones).</summary>
    public const int MaxFilters = 256, MaxChannels = 32;

    private const int Pad = 12, TitleScale = 3, Scale = Axes.TextScale, Spacing = 8;

    /// <param name="weights">(out, in, kh, kw)</param>
    /// <param name="shape">(out, in, kh, kw)</param>
    public FilterGrid(float[] weights, Shape shape, string title)
    {
        Weights = weights ?? throw new ArgumentNullException(nameof(weights));
        Shape = shape;
        Title = title ?? throw new ArgumentNullException(nameof(title));
    }

    /// <summary>The filters of the convolution at <paramref name="path"/> of a network, or of its first convolution (<see cref="NetworkNodes.Convolution"/>).</summary>
    /// <exception cref="ArgumentException">no such node, a node that is not a convolution, or weights that are not (out, in, kh, kw)</exception>
    public static FilterGrid Of(Network network, string? path = null)
    {
        var (name, convolution) = NetworkNodes.Convolution(network, path);
        var weight = convolution.Weight.Value;
        return new FilterGrid(weight.ToArray(), weight.Shape, name);
    }

    public float[] Weights { get; }
    public Shape Shape { get; }
    public string Title { get; }

    /// <summary>About how many pixels a tile's side is (the kernel times a whole zoom). Default 60.</summary>
    public int TileSize { get; init; } = 60;

    /// <summary>Single channels in grey (each filter's minimum black, maximum white) instead of blue-white-red. Default false.</summary>
    public bool Grey { get; init; }

    /// <summary>Tiles per row when each filter is one tile (1 or 3 input channels). Default 0: about a square grid.</summary>
    public int Columns { get; init; }

    /// <summary>Whether each filter is one RGB tile (3 input channels).</summary>
    public bool RgbTiles => Shape.Rank == 4 && Shape[1] == 3;

    internal override Raster Draw()
    {
        if (Shape.Rank != 4) throw new ArgumentException($"A filter grid takes convolution weights (out, in, kh, kw), got a shape of rank {Shape.Rank} ({Shape}).");
        int filters = Shape[0], channels = Shape[1], kh = Shape[2], kw = Shape[3];
        if (Weights.Length != Shape.Size) throw new ArgumentException($"Weights of shape {Shape} need {Shape.Size} values, got {Weights.Length}.");
        if (Weights.Any(w => !float.IsFinite(w))) throw new ArgumentException($"The weights of '{Title}' hold a value that is not finite.");
        if (TileSize is < 1 or > 1024) throw new ArgumentOutOfRangeException(nameof(TileSize), TileSize, "TileSize must be 1 to 1024 pixels.");
        if (Columns < 0) throw new ArgumentOutOfRangeException(nameof(Columns), Columns, "Columns must be 0 (automatic) or positive.");
        if (kh > 256 || kw > 256) throw new ArgumentException($"Kernels of {kh}x{kw} are larger than a filter grid draws (256 a side).");
        int shown = Math.Min(filters, MaxFilters), zoom = HeatMap.Zoom(Math.Max(kh, kw), TileSize);
        int tileW = kw * zoom, tileH = kh * zoom, titleHeight = Pad + BitmapFont.LineHeight * TitleScale + Pad;
        string subtitle = $"{filters} filters of {channels}x{kh}x{kw}" + (shown < filters ? $", the first {shown} shown" : "");
        int top = titleHeight + Axes.LineHeight + Axes.Gap;
        var bar = Bar();
        return channels is 1 or 3 ? DrawTiles(shown, channels, kh, kw, zoom, tileW, tileH, top, subtitle, bar) : DrawChannels(shown, channels, kh, kw, zoom, tileW, tileH, top, subtitle, bar);
    }

    /// <summary>The symmetric scale of the diverging map (from the largest weight's size), or null for RGB tiles and grey.</summary>
    private Ticks? Bar()
    {
        if (RgbTiles || Grey) return null;
        double bound = Weights.Length == 0 ? 0 : Weights.Max(w => Math.Abs((double)w));
        return NiceTicks.Inside(-bound, bound, 5);
    }

    /// <summary>One tile per filter in a grid, numbered: RGB for 3 input channels, else the one channel.</summary>
    private Raster DrawTiles(int shown, int channels, int kh, int kw, int zoom, int tileW, int tileH, int top, string subtitle, Ticks? bar)
    {
        int columns = Columns > 0 ? Math.Min(Columns, shown) : (int)Math.Ceiling(Math.Sqrt(shown));
        int rows = (shown + columns - 1) / columns, label = Axes.LineHeight;
        int cellW = Math.Max(tileW, BitmapFont.Width(shown.ToString(CultureInfo.InvariantCulture), Scale)) + Spacing, cellH = tileH + 4 + label + Spacing;
        int barLeft = Pad + columns * cellW + Pad;
        var raster = Canvas(barLeft + (bar is null ? 0 : ColorBar.Width(bar) + Pad), top + rows * cellH + Pad, subtitle);
        int size = channels * kh * kw;
        for (int f = 0; f < shown; f++)
        {
            int left = Pad + f % columns * cellW, y0 = top + f / columns * cellH;
            DrawFilterChannel(raster, f, channels == 3 ? -1 : 0, kh, kw, left, y0, zoom, bar);
            raster.TextCentred(f.ToString(CultureInfo.InvariantCulture), left + tileW / 2, y0 + tileH + 4, Scale, Palette.Ink);
        }
        if (bar is not null) ColorBar.Draw(raster, barLeft, top, Math.Max(60, Math.Min(rows * cellH - Spacing - label, 400)), ColorMap.BlueWhiteRed, bar);
        return raster;
    }

    /// <summary>Channel <paramref name="channel"/> of filter <paramref name="filter"/> as a tile (-1: the three channels as one RGB tile), framed.</summary>
    private void DrawFilterChannel(Raster raster, int filter, int channel, int kh, int kw, int left, int top, int zoom, Ticks? bar)
    {
        int plane = kh * kw, size = Shape[1] * plane;
        var weights = Weights.AsSpan(filter * size, size);
        if (channel < 0)
        {
            var (low, high) = HeatMap.Range(weights);
            var pixels = new float[size];
            for (int i = 0; i < size; i++) pixels[i] = (float)HeatMap.Fraction(weights[i], low, high);
            raster.Image(GridImage.FromPlanar(pixels, 3, kh, kw), left, top, zoom);
            raster.StrokeRect(left - 1, top - 1, kw * zoom + 2, kh * zoom + 2, Palette.Frame);
            return;
        }
        var (from, to) = bar is null ? HeatMap.Range(weights) : (bar.Low, bar.High);
        HeatMap.Draw(raster, weights.Slice(channel * plane, plane), kh, kw, left, top, zoom, bar is null ? ColorMap.Grey : ColorMap.BlueWhiteRed, from, to);
    }

    private Raster DrawChannels(int shown, int channels, int kh, int kw, int zoom, int tileW, int tileH, int top, string subtitle, Ticks? bar)
    {
        int columns = Math.Min(channels, MaxChannels);
        int labelWidth = BitmapFont.Width("filter " + (shown - 1).ToString(CultureInfo.InvariantCulture), Scale) + 2 * Axes.Gap;
        int headerWidth = BitmapFont.Width("in " + (columns - 1).ToString(CultureInfo.InvariantCulture), Scale);
        int cellW = Math.Max(tileW, headerWidth) + Spacing, cellH = tileH + Spacing;
        int gridLeft = Pad + labelWidth, gridTop = top + Axes.LineHeight + Axes.Gap;
        int barLeft = gridLeft + columns * cellW + Pad;
        int width = barLeft + (bar is null ? 0 : ColorBar.Width(bar) + Pad);
        var raster = Canvas(Math.Max(width, gridLeft + columns * cellW + Pad), gridTop + shown * cellH + Pad, subtitle);
        for (int c = 0; c < columns; c++) raster.TextCentred("in " + c.ToString(CultureInfo.InvariantCulture), gridLeft + c * cellW + tileW / 2, top, Scale, Palette.Ink);
        for (int f = 0; f < shown; f++)
        {
            int y0 = gridTop + f * cellH;
            raster.Text("filter " + f.ToString(CultureInfo.InvariantCulture), Pad, y0 + (tileH - BitmapFont.GlyphHeight * Scale) / 2, Scale, Palette.Ink);
            for (int c = 0; c < columns; c++) DrawFilterChannel(raster, f, c, kh, kw, gridLeft + c * cellW, y0, zoom, bar);
        }
        if (bar is not null) ColorBar.Draw(raster, barLeft, gridTop, Math.Max(60, Math.Min(shown * cellH - Spacing, 400)), ColorMap.BlueWhiteRed, bar);
        return raster;
    }

    private Raster Canvas(int width, int height, string subtitle)
    {
        width = Math.Max(width, Math.Max(BitmapFont.Width(Title, TitleScale), BitmapFont.Width(subtitle, Scale)) + 2 * Pad);
        var raster = new Raster(width, height, Palette.Background);
        raster.TextCentred(Title, width / 2, Pad, TitleScale, Palette.Ink);
        raster.TextCentred(subtitle, width / 2, Pad + BitmapFont.LineHeight * TitleScale + Pad, Scale, Palette.Faint);
        return raster;
    }
}
