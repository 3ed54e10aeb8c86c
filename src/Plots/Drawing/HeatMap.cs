namespace MlNetConv.Plots;

/// <summary>A plane of values as a tile of coloured squares, each value a <c>zoom</c> x <c>zoom</c> square (nearest neighbour), framed.</summary>
internal static class HeatMap
{
    /// <param name="values">(height, width)</param>
    /// <param name="low">the value drawn as the map's 0</param>
    /// <param name="high">the value drawn as the map's 1 (equal to low: everything at 0.5)</param>
    public static void Draw(Raster raster, ReadOnlySpan<float> values, int height, int width, int left, int top, int zoom, ColorMap map, double low, double high)
    {
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                raster.FillRect(left + x * zoom, top + y * zoom, zoom, zoom, map.Map(Fraction(values[y * width + x], low, high)));
        raster.StrokeRect(left - 1, top - 1, width * zoom + 2, height * zoom + 2, Palette.Frame);
    }

    /// <summary>Where <paramref name="value"/> lies between low (0) and high (1); 0.5 when they are equal.</summary>
    public static double Fraction(double value, double low, double high) => high > low ? (value - low) / (high - low) : 0.5;

    /// <summary>The zoom that makes a side of <paramref name="side"/> values about <paramref name="pixels"/> pixels (at least 1).</summary>
    public static int Zoom(int side, int pixels) => Math.Max(1, pixels / Math.Max(1, side));

    /// <summary>The smallest and largest finite value (0, 0 when none is).</summary>
    public static (double Low, double High) Range(ReadOnlySpan<float> values)
    {
        double low = double.PositiveInfinity, high = double.NegativeInfinity;
        foreach (float v in values)
            if (float.IsFinite(v)) (low, high) = (Math.Min(low, v), Math.Max(high, v));
        return low > high ? (0, 0) : (low, high);
    }
}
