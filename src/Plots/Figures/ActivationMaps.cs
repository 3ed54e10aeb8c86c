using System.Globalization;

namespace MlNetConv.Plots;

/// <summary>
/// The input image beside what layers compute from it: each layer's channels as heat-map tiles (<see cref="ColorMap.Viridis"/>,
/// brighter is larger), titled with the layer's name and the channel number, on one scale per layer (a colour bar beside
/// it) or on each map's own (<see cref="SharedScale"/> false), nearest-neighbour upscaled.
/// </summary>
public sealed class ActivationMaps : Figure
{
    /// <summary>The most layers, and the most channels of a layer, drawn (the first ones).</summary>
    public const int MaxLayers = 16, MaxMaps = 64;

    private const int Pad = 12, TitleScale = 3, Scale = Axes.TextScale, Spacing = 10;

    /// <param name="input">the image the layers saw, drawn first; null: none</param>
    public ActivationMaps(GridImage? input, IReadOnlyList<ActivationLayer> layers, string title = "activations")
    {
        Input = input;
        Layers = layers ?? throw new ArgumentNullException(nameof(layers));
        Title = title ?? throw new ArgumentNullException(nameof(title));
    }

    public GridImage? Input { get; }
    public IReadOnlyList<ActivationLayer> Layers { get; }
    public string Title { get; }

    /// <summary>One scale (minimum to maximum) for all maps of a layer, with a colour bar; else each map its own. Default true.</summary>
    public bool SharedScale { get; init; } = true;

    /// <summary>About how many pixels a map's side is (its size times a whole zoom). Default 84.</summary>
    public int TileSize { get; init; } = 84;

    /// <summary>Maps per row. Default 8.</summary>
    public int Columns { get; init; } = 8;

    public ColorMap Colours { get; init; } = ColorMap.Viridis;

    private sealed record Block(ActivationLayer Layer, int Channels, int H, int W, int Zoom, int Top, int Rows, Ticks? Bar);

    internal override Raster Draw()
    {
        Validate();
        int titleHeight = Pad + BitmapFont.LineHeight * TitleScale + Pad, left = Pad;
        int inputWidth = 0;
        if (Input is not null)
        {
            int zoom = HeatMap.Zoom(Math.Max(Input.Width, Input.Height), 2 * TileSize);
            inputWidth = Math.Max(Input.Width * zoom, BitmapFont.Width("input", Scale)) + 2 * Pad;
            left += inputWidth;
        }
        var blocks = new List<Block>();
        int y = titleHeight, widest = 0;
        foreach (var layer in Layers.Take(MaxLayers))
        {
            var (c, h, w) = Dimensions(layer);
            int shown = Math.Min(c, MaxMaps), zoom = HeatMap.Zoom(Math.Max(h, w), TileSize);
            int rows = (shown + Columns - 1) / Columns;
            Ticks? bar = null;
            if (SharedScale)
            {
                var (low, high) = HeatMap.Range(layer.Values.AsSpan(0, shown * h * w));
                bar = NiceTicks.Inside(low, high, 4);
            }
            var block = new Block(layer, shown, h, w, zoom, y + Axes.LineHeight + Axes.Gap, rows, bar);
            blocks.Add(block);
            int cellW = CellWidth(block);
            widest = Math.Max(widest, Math.Min(shown, Columns) * cellW + (bar is null ? 0 : Pad + ColorBar.Width(bar)));
            widest = Math.Max(widest, BitmapFont.Width(Heading(block), Scale));
            y = block.Top + rows * CellHeight(block) + Spacing;
        }
        int width = Math.Max(left + widest + Pad, BitmapFont.Width(Title, TitleScale) + 2 * Pad);
        int height = Math.Max(y + Pad, titleHeight + (Input is null ? 0 : Input.Height * HeatMap.Zoom(Math.Max(Input.Width, Input.Height), 2 * TileSize) + Axes.LineHeight + 2 * Pad));
        var raster = new Raster(width, height, Palette.Background);
        raster.TextCentred(Title, width / 2, Pad, TitleScale, Palette.Ink);
        if (Input is not null)
        {
            int zoom = HeatMap.Zoom(Math.Max(Input.Width, Input.Height), 2 * TileSize);
            raster.Text("input", Pad, titleHeight, Scale, Palette.Ink);
            raster.Image(Input, Pad, titleHeight + Axes.LineHeight + Axes.Gap, zoom);
            raster.StrokeRect(Pad - 1, titleHeight + Axes.LineHeight + Axes.Gap - 1, Input.Width * zoom + 2, Input.Height * zoom + 2, Palette.Frame);
            raster.FillRect(left - Pad, titleHeight, 1, height - titleHeight - Pad, Palette.Grid);
        }
        foreach (var b in blocks) DrawBlock(raster, b, left);
        return raster;
    }

    private void DrawBlock(Raster raster, Block b, int left)
    {
        raster.Text(Heading(b), left, b.Top - Axes.LineHeight - Axes.Gap, Scale, Palette.Ink);
        int plane = b.H * b.W, cellW = CellWidth(b), cellH = CellHeight(b);
        for (int c = 0; c < b.Channels; c++)
        {
            int x = left + c % Columns * cellW, y = b.Top + c / Columns * cellH;
            var values = b.Layer.Values.AsSpan(c * plane, plane);
            var (low, high) = b.Bar is { } bar ? (bar.Low, bar.High) : HeatMap.Range(values);
            raster.Text(c.ToString(CultureInfo.InvariantCulture), x, y, Scale, Palette.Faint);
            HeatMap.Draw(raster, values, b.H, b.W, x, y + Axes.LineHeight, b.Zoom, Colours, low, high);
        }
        if (b.Bar is { } ticks)
            ColorBar.Draw(raster, left + Math.Min(b.Channels, Columns) * cellW + Pad, b.Top + Axes.LineHeight,
                Math.Max(40, b.Rows * cellH - Spacing - Axes.LineHeight), Colours, ticks);
    }

    private static string Heading(Block b) =>
        $"{b.Layer.Name}: {b.Layer.Shape}" + (b.Channels < b.Layer.Shape[0] ? $", the first {b.Channels} maps" : "");

    private static int CellWidth(Block b) => Math.Max(b.W * b.Zoom, BitmapFont.Width("00", Scale)) + Spacing;

    private static int CellHeight(Block b) => Axes.LineHeight + b.H * b.Zoom + Spacing;

    private static (int C, int H, int W) Dimensions(ActivationLayer layer) => layer.Shape.Rank switch
    {
        1 => (layer.Shape[0], 1, 1),
        3 => (layer.Shape[0], layer.Shape[1], layer.Shape[2]),
        _ => throw new ArgumentException($"Layer '{layer.Name}' has an output of shape {layer.Shape}; activation maps take (C, H, W) or (C)."),
    };

    private void Validate()
    {
        if (Layers.Count == 0) throw new ArgumentException("Activation maps need at least one layer.", nameof(Layers));
        if (TileSize is < 1 or > 1024) throw new ArgumentOutOfRangeException(nameof(TileSize), TileSize, "TileSize must be 1 to 1024 pixels.");
        if (Columns is < 1 or > 256) throw new ArgumentOutOfRangeException(nameof(Columns), Columns, "Columns must be 1 to 256.");
        foreach (var layer in Layers)
        {
            if (layer?.Name is null || layer.Values is null) throw new ArgumentException("An activation layer lacks its name or values.", nameof(Layers));
            var (_, h, w) = Dimensions(layer);
            if (layer.Values.Length != layer.Shape.Size)
                throw new ArgumentException($"Layer '{layer.Name}' of shape {layer.Shape} needs {layer.Shape.Size} values, got {layer.Values.Length}.", nameof(Layers));
            if (h > 1024 || w > 1024) throw new ArgumentException($"Layer '{layer.Name}' has maps of {h}x{w}, larger than activation maps draw (1024 a side).", nameof(Layers));
            if (layer.Values.Any(v => !float.IsFinite(v))) throw new ArgumentException($"Layer '{layer.Name}' holds a value that is not finite.", nameof(Layers));
        }
    }
}
