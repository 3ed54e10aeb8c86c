namespace MlNetConv.Plots;

/// <summary>A vertical bar of a <see cref="ColorMap"/>, low values at the bottom, with ticks and labels on its right.</summary>
internal static class ColorBar
{
    public const int BarWidth = 18;

    public static int Width(Ticks ticks) => BarWidth + Axes.TickLength + Axes.Gap + ticks.Labels.Max(l => BitmapFont.Width(l, Axes.TextScale));

    public static void Draw(Raster raster, int left, int top, int height, ColorMap map, Ticks ticks)
    {
        for (int y = 0; y < height; y++)
            raster.FillRect(left, top + y, BarWidth, 1, map.Map(1 - (double)y / Math.Max(1, height - 1)));
        raster.StrokeRect(left - 1, top - 1, BarWidth + 2, height + 2, Palette.Frame);
        for (int i = 0; i < ticks.Values.Length; i++)
        {
            int y = top + height - 1 - (int)Math.Round(ticks.Fraction(ticks.Values[i]) * (height - 1));
            raster.FillRect(left + BarWidth + 1, y, Axes.TickLength, 1, Palette.Frame);
            raster.Text(ticks.Labels[i], left + BarWidth + 1 + Axes.TickLength + Axes.Gap / 2, y - BitmapFont.GlyphHeight * Axes.TextScale / 2, Axes.TextScale, Palette.Ink);
        }
    }
}
