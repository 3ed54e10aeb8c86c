namespace MlNetConv.Plots;

/// <summary>One line of a legend: a sample of the series' line and marker, then its name.</summary>
internal sealed record LegendEntry(string Name, Rgb Colour, Marker Marker);

/// <summary>A framed box of <see cref="LegendEntry"/> lines, one per series.</summary>
internal static class Legend
{
    private const int Padding = 8, Sample = 28, Scale = Axes.TextScale, Line = Axes.LineHeight + 4;

    public static (int Width, int Height) Size(IReadOnlyList<LegendEntry> entries) =>
        entries.Count == 0 ? (0, 0) : (2 * Padding + Sample + Padding + entries.Max(e => BitmapFont.Width(e.Name, Scale)), 2 * Padding + entries.Count * Line - 4);

    public static void Draw(Raster raster, int left, int top, IReadOnlyList<LegendEntry> entries)
    {
        if (entries.Count == 0) return;
        var (width, height) = Size(entries);
        raster.FillRect(left, top, width, height, Palette.Background);
        raster.StrokeRect(left, top, width, height, Palette.Frame);
        for (int i = 0; i < entries.Count; i++)
        {
            int y = top + Padding + i * Line, middle = y + BitmapFont.GlyphHeight * Scale / 2;
            raster.Line(left + Padding, middle, left + Padding + Sample - 1, middle, entries[i].Colour, 2);
            raster.Marker(entries[i].Marker, left + Padding + Sample / 2, middle, 4, entries[i].Colour);
            raster.Text(entries[i].Name, left + 2 * Padding + Sample, y, Scale, Palette.Ink);
        }
    }
}
