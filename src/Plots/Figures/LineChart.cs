namespace MlNetConv.Plots;

/// <summary>
/// Named series of (x, y) points as lines with markers, in one or more panels stacked over a shared x axis (training
/// curves: loss, accuracy, learning rate per epoch): a title, "nice" ticks with labels and gridlines, a y title per panel,
/// the x title and tick labels under the last panel, and each panel's legend to the right of it.
/// <code>
/// new LineChart("LeNet-5", "epoch", new LinePanel("loss", [new LineSeries("training", epochs, losses)])).Save("loss.png");
/// </code>
/// </summary>
public sealed class LineChart : Figure
{
    /// <summary>Series with more points than this draw a marker on every n-th point only, so the line stays visible.</summary>
    public const int MaxMarkers = 40;

    private const int TitleScale = 3, Pad = 12, LineThickness = 2, MarkerRadius = 4;

    public LineChart(string title, string xLabel, params IReadOnlyList<LinePanel> panels)
    {
        Title = title ?? throw new ArgumentNullException(nameof(title));
        XLabel = xLabel ?? throw new ArgumentNullException(nameof(xLabel));
        Panels = panels ?? throw new ArgumentNullException(nameof(panels));
    }

    public string Title { get; }
    public string XLabel { get; }
    public IReadOnlyList<LinePanel> Panels { get; }

    /// <summary>Width of the plot areas in pixels (the margins come on top). Default 640.</summary>
    public int PlotWidth { get; init; } = 640;

    /// <summary>Height of each panel's plot area in pixels. Default 240.</summary>
    public int PlotHeight { get; init; } = 240;

    /// <summary>The x values are whole numbers (epochs): ticks never fall between them. Default: whether every x is whole.</summary>
    public bool? IntegerX { get; init; }

    internal override Raster Draw()
    {
        var (width, height, axes, legends) = Layout();
        var raster = new Raster(width, height, Palette.Background);
        if (!string.IsNullOrEmpty(Title)) raster.TextCentred(Title, width / 2, Pad, TitleScale, Palette.Ink);
        for (int p = 0; p < Panels.Count; p++)
        {
            bool last = p == Panels.Count - 1;
            axes[p].Draw(raster, last ? XLabel : null, Panels[p].YLabel, xLabels: last);
            for (int s = 0; s < Panels[p].Series.Count; s++) DrawSeries(raster, axes[p], Panels[p].Series[s], legends[p][s]);
            Legend.Draw(raster, LegendLeft(axes[p]), axes[p].Top, legends[p]);
        }
        return raster;
    }

    internal static int LegendLeft(Axes axes) => axes.Right + 1 + Pad;

    /// <summary>The picture's size, each panel's axes (checking the inputs first) and its legend's lines.</summary>
    internal (int Width, int Height, Axes[] Panels, LegendEntry[][] Legends) Layout()
    {
        Validate();
        var all = Panels.SelectMany(p => p.Series).ToList();
        bool integers = IntegerX ?? all.All(s => s.X.All(x => x == Math.Floor(x)));
        var x = NiceTicks.Linear(all.Min(s => s.X.Min()), all.Max(s => s.X.Max()), 8, integers);
        var y = Panels.Select(p =>
        {
            double low = p.Series.Min(s => s.Y.Min()), high = p.Series.Max(s => s.Y.Max());
            return p.LogY ? NiceTicks.Logarithmic(low, high) : NiceTicks.Linear(low, high, 5);
        }).ToArray();
        var legends = Panels.Select(p => p.Series.Select((s, i) => new LegendEntry(s.Name, s.Colour ?? Palette.SeriesColour(i), s.Marker ?? Palette.SeriesMarker(i))).ToArray()).ToArray();

        int left = Pad + Axes.LeftMargin(y, title: true);
        int titleHeight = string.IsNullOrEmpty(Title) ? Pad : Pad + BitmapFont.LineHeight * TitleScale + Pad;
        int legendWidth = legends.Max(l => Legend.Size(l).Width);
        int panelStep = PlotHeight + Axes.LineHeight + Pad;  // room between panels for the half-lines of their end tick labels
        int width = Math.Max(left + PlotWidth + Pad + legendWidth + Pad, BitmapFont.Width(Title, TitleScale) + 2 * Pad);
        int height = titleHeight + Panels.Count * panelStep - Axes.LineHeight - Pad + Axes.BottomMargin(true, XLabel.Length > 0) + Pad;
        var axes = Enumerable.Range(0, Panels.Count).Select(p => new Axes(left, titleHeight + p * panelStep, PlotWidth, PlotHeight, x, y[p])).ToArray();
        return (width, height, axes, legends);
    }

    private static void DrawSeries(Raster raster, Axes axes, LineSeries series, LegendEntry look)
    {
        int n = series.X.Count, every = (n + MaxMarkers - 1) / MaxMarkers;
        for (int i = 1; i < n; i++)
            raster.Line(axes.Px(series.X[i - 1]), axes.Py(series.Y[i - 1]), axes.Px(series.X[i]), axes.Py(series.Y[i]), look.Colour, LineThickness);
        for (int i = 0; i < n; i += every) raster.Marker(look.Marker, axes.Px(series.X[i]), axes.Py(series.Y[i]), MarkerRadius, look.Colour);
    }

    private void Validate()
    {
        if (Panels.Count == 0) throw new ArgumentException("A line chart needs at least one panel.", nameof(Panels));
        if (PlotWidth is < 50 or > 4000 || PlotHeight is < 50 or > 4000)
            throw new ArgumentOutOfRangeException(nameof(PlotWidth), $"The plot area must be 50 to 4000 pixels a side, got {PlotWidth}x{PlotHeight}.");
        for (int p = 0; p < Panels.Count; p++)
        {
            var panel = Panels[p] ?? throw new ArgumentException($"Panel {p} of the line chart is null.", nameof(Panels));
            if (panel.YLabel is null || panel.Series is null || panel.Series.Count == 0)
                throw new ArgumentException($"Panel {p} ('{panel.YLabel}') of the line chart needs a y label and at least one series.", nameof(Panels));
            foreach (var s in panel.Series)
            {
                if (s?.Name is null || s.X is null || s.Y is null) throw new ArgumentException($"A series of panel '{panel.YLabel}' lacks its name or values.", nameof(Panels));
                if (s.X.Count != s.Y.Count || s.X.Count == 0)
                    throw new ArgumentException($"Series '{s.Name}' of panel '{panel.YLabel}' has {s.X.Count} x and {s.Y.Count} y values; it needs the same number, at least one.", nameof(Panels));
                for (int i = 0; i < s.X.Count; i++)
                {
                    if (!double.IsFinite(s.X[i]) || !double.IsFinite(s.Y[i]))
                        throw new ArgumentException($"Series '{s.Name}' of panel '{panel.YLabel}': point {i} ({s.X[i]}, {s.Y[i]}) is not finite.", nameof(Panels));
                    if (panel.LogY && s.Y[i] <= 0)
                        throw new ArgumentException($"Series '{s.Name}' of panel '{panel.YLabel}': point {i} has y = {s.Y[i]}, which a logarithmic axis cannot show.", nameof(Panels));
                }
            }
        }
    }
}
