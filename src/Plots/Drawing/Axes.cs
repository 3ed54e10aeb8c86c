namespace MlNetConv.Plots;

/// <summary>
/// A plot area in pixels with its x and y <see cref="Ticks"/>: maps data to pixels and draws the frame, gridlines, ticks,
/// tick labels and axis titles around it (tick labels and titles in the font at <see cref="TextScale"/>).
/// </summary>
internal sealed record Axes(int Left, int Top, int Width, int Height, Ticks X, Ticks Y)
{
    public const int TextScale = 2, TickLength = 5, Gap = 6;

    /// <summary>Height of a line of text at <see cref="TextScale"/>.</summary>
    public const int LineHeight = BitmapFont.LineHeight * TextScale;

    public int Right => Left + Width - 1;
    public int Bottom => Top + Height - 1;

    public int Px(double x) => Left + (int)Math.Round(X.Fraction(x) * (Width - 1));

    public int Py(double y) => Bottom - (int)Math.Round(Y.Fraction(y) * (Height - 1));

    /// <summary>Room left of the plot area for y tick labels and a rotated y title.</summary>
    public static int LeftMargin(IEnumerable<Ticks> y, bool title) =>
        TickLength + Gap + y.SelectMany(t => t.Labels).Select(l => BitmapFont.Width(l, TextScale)).DefaultIfEmpty(0).Max()
        + (title ? Gap + LineHeight : 0) + Gap;

    /// <summary>Room below the plot area for x tick labels and an x title.</summary>
    public static int BottomMargin(bool labels, bool title) => (labels ? TickLength + Gap + LineHeight : 0) + (title ? Gap + LineHeight : 0) + Gap;

    public void Draw(Raster raster, string? xTitle, string? yTitle, bool xLabels = true)
    {
        foreach (double v in Y.Values) raster.FillRect(Left, Py(v), Width, 1, Palette.Grid);
        foreach (double v in X.Values) raster.FillRect(Px(v), Top, 1, Height, Palette.Grid);
        raster.StrokeRect(Left - 1, Top - 1, Width + 2, Height + 2, Palette.Frame);
        int textTop = Bottom + 2 + TickLength + Gap / 2;
        for (int i = 0; i < X.Values.Length; i++)
        {
            int x = Px(X.Values[i]);
            raster.FillRect(x, Bottom + 2, 1, TickLength, Palette.Frame);
            if (xLabels) raster.TextCentred(X.Labels[i], x, textTop, TextScale, Palette.Ink);
        }
        int widest = 0;
        for (int i = 0; i < Y.Values.Length; i++)
        {
            int y = Py(Y.Values[i]);
            raster.FillRect(Left - 1 - TickLength, y, TickLength, 1, Palette.Frame);
            raster.TextRight(Y.Labels[i], Left - 2 - TickLength - Gap / 2, y - BitmapFont.GlyphHeight * TextScale / 2, TextScale, Palette.Ink);
            widest = Math.Max(widest, BitmapFont.Width(Y.Labels[i], TextScale));
        }
        if (!string.IsNullOrEmpty(xTitle))
            raster.TextCentred(xTitle, Left + Width / 2, (xLabels ? textTop + LineHeight : Bottom + TickLength) + Gap, TextScale, Palette.Ink);
        if (!string.IsNullOrEmpty(yTitle))
            raster.TextUp(yTitle, Left - 1 - TickLength - Gap - widest - Gap - LineHeight, Top + Height / 2, TextScale, Palette.Ink);
    }
}
