using System.Globalization;
using MlNetConv.Training;

namespace MlNetConv.Plots;

/// <summary>
/// A confusion matrix as a grid of cells: rows the true classes, columns the predicted ones, each cell its count written
/// in it and coloured by its share of its row (<see cref="ColorMap.Blues"/>, with a colour bar of the shares), so the
/// diagonal reads as per-class recall whatever the class sizes. Axis titles "true" and "predicted", class names along both.
/// </summary>
public sealed class ConfusionMatrixPlot : Figure
{
    /// <summary>The most classes drawn (a cell per pair).</summary>
    public const int MaxClasses = 200;

    private const int Pad = 12, TitleScale = 3, Scale = Axes.TextScale;

    /// <param name="classNames">one name per class, in the matrix's order; null: the class numbers</param>
    public ConfusionMatrixPlot(ConfusionMatrix matrix, IReadOnlyList<string>? classNames = null, string title = "confusion matrix")
    {
        Matrix = matrix ?? throw new ArgumentNullException(nameof(matrix));
        ClassNames = classNames ?? [.. Enumerable.Range(0, matrix.Classes).Select(c => c.ToString(CultureInfo.InvariantCulture))];
        Title = title ?? throw new ArgumentNullException(nameof(title));
    }

    public ConfusionMatrix Matrix { get; }
    public IReadOnlyList<string> ClassNames { get; }
    public string Title { get; }

    /// <summary>The side of a cell in pixels; 0: wide enough for the largest count. Default 0.</summary>
    public int CellSize { get; init; }

    /// <summary>The colour of each cell's share of its row (0..1).</summary>
    public ColorMap Colours { get; init; } = ColorMap.Blues;

    /// <summary>A row's share in cell (label, predicted): 0 for a row with no items.</summary>
    public double Share(int label, int predicted)
    {
        long row = 0;
        for (int p = 0; p < Matrix.Classes; p++) row += Matrix[label, p];
        return row == 0 ? 0 : (double)Matrix[label, predicted] / row;
    }

    internal override Raster Draw()
    {
        int k = Matrix.Classes;
        if (k > MaxClasses) throw new ArgumentException($"A confusion matrix plot draws at most {MaxClasses} classes, got {k}.");
        if (ClassNames.Count != k) throw new ArgumentException($"The matrix has {k} classes but {ClassNames.Count} class names were given.");
        if (ClassNames.Any(n => n is null)) throw new ArgumentException("A class name is null.");
        if (CellSize is < 0 or > 400) throw new ArgumentOutOfRangeException(nameof(CellSize), CellSize, "CellSize must be 0 (automatic) to 400 pixels.");
        var counts = new string[k, k];
        int widest = 0;
        for (int t = 0; t < k; t++)
            for (int p = 0; p < k; p++)
                widest = Math.Max(widest, BitmapFont.Width(counts[t, p] = Matrix[t, p].ToString(CultureInfo.InvariantCulture), Scale));
        int cell = CellSize > 0 ? CellSize : Math.Max(Axes.LineHeight + 3 * Axes.Gap, widest + 3 * Axes.Gap);
        int nameWidth = ClassNames.Max(n => BitmapFont.Width(n, Scale));
        bool upward = nameWidth > cell - 4;  // column names too wide for a cell read upward
        int columnNames = upward ? nameWidth : Axes.LineHeight;
        var bar = NiceTicks.Linear(0, 1, 6);

        int titleHeight = Pad + BitmapFont.LineHeight * TitleScale + Pad;
        int left = Pad + Axes.LineHeight + Axes.Gap + nameWidth + Axes.Gap;
        int top = titleHeight + Axes.LineHeight + Axes.Gap + columnNames + Axes.Gap;
        int side = k * cell;
        int width = Math.Max(left + side + 2 * Pad + ColorBar.Width(bar) + Pad, BitmapFont.Width(Title, TitleScale) + 2 * Pad);
        int height = top + side + Pad;
        var raster = new Raster(width, height, Palette.Background);
        raster.TextCentred(Title, width / 2, Pad, TitleScale, Palette.Ink);
        raster.TextCentred("predicted", left + side / 2, titleHeight, Scale, Palette.Ink);
        raster.TextUp("true", Pad, top + side / 2, Scale, Palette.Ink);
        for (int c = 0; c < k; c++)
        {
            int middle = c * cell + cell / 2;
            raster.TextRight(ClassNames[c], left - Axes.Gap - 1, top + middle - BitmapFont.GlyphHeight * Scale / 2, Scale, Palette.Ink);
            if (upward) raster.TextUp(ClassNames[c], left + middle - BitmapFont.GlyphHeight * Scale / 2, top - Axes.Gap - nameWidth / 2, Scale, Palette.Ink);
            else raster.TextCentred(ClassNames[c], left + middle, top - Axes.Gap - Axes.LineHeight + 2, Scale, Palette.Ink);
        }
        for (int t = 0; t < k; t++)
            for (int p = 0; p < k; p++)
            {
                var colour = Colours.Map(Share(t, p));
                int x = left + p * cell, y = top + t * cell;
                raster.FillRect(x, y, cell, cell, colour);
                raster.TextCentred(counts[t, p], x + cell / 2, y + (cell - BitmapFont.GlyphHeight * Scale) / 2, Scale, colour.Luminance < 0.45 ? Rgb.White : Rgb.Black);
            }
        raster.StrokeRect(left - 1, top - 1, side + 2, side + 2, Palette.Frame);
        ColorBar.Draw(raster, left + side + 2 * Pad, top, side, Colours, bar);
        return raster;
    }
}
