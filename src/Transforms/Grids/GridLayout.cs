using MlNetConv.Plots;

namespace MlNetConv.Transforms;

/// <summary>
/// Where everything of a <see cref="NeighbourGrid"/> goes: columns of <see cref="CellWidth"/> (the query's, a gap with a
/// rule, then the neighbours'), a header row of titles, then rows of an image square and two lines of text (label,
/// distance), each centred in its cell.
/// </summary>
internal sealed class GridLayout
{
    public const int Padding = 6;
    public static readonly Rgb Background = Rgb.White, Ink = Rgb.Black, Rule = new(200, 200, 200);

    private readonly NeighbourGridOptions _options;

    public GridLayout(NeighbourGridOptions options, int rows, int neighbours)
    {
        _options = options;
        Rows = rows;
        Columns = 1 + neighbours;
        CellWidth = options.ImageSize + 2 * Padding;
        Gap = 2 * Padding;
        LineHeight = BitmapFont.LineHeight * options.TextScale;
        HeaderHeight = LineHeight + 2 * Padding;
        RowHeight = Padding + options.ImageSize + Padding / 2 + 2 * LineHeight + Padding;
        Width = Columns * CellWidth + Gap;
        Height = HeaderHeight + rows * RowHeight;
    }

    public int Rows { get; }
    public int Columns { get; }
    public int CellWidth { get; }
    public int Gap { get; }
    public int LineHeight { get; }
    public int HeaderHeight { get; }
    public int RowHeight { get; }
    public int Width { get; }
    public int Height { get; }

    public int ColumnLeft(int column) => column * CellWidth + (column > 0 ? Gap : 0);

    public int RowTop(int row) => HeaderHeight + row * RowHeight;

    /// <summary>
    /// Where an image of <paramref name="imageWidth"/> x <paramref name="imageHeight"/> is drawn and at what size: a
    /// whole multiple of its size when it is smaller than the square (pixels stay sharp), else shrunk to fit it; centred.
    /// </summary>
    public (int Left, int Top, int Width, int Height) ImagePlacement(int row, int column, int imageWidth, int imageHeight)
    {
        int size = _options.ImageSize, side = Math.Max(imageWidth, imageHeight);
        int width, height;
        if (side <= size)
        {
            int zoom = size / side;
            (width, height) = (imageWidth * zoom, imageHeight * zoom);
        }
        else
        {
            (width, height) = (Math.Max(1, (int)((long)imageWidth * size / side)), Math.Max(1, (int)((long)imageHeight * size / side)));
        }
        return (ColumnLeft(column) + Padding + (size - width) / 2, RowTop(row) + Padding + (size - height) / 2, width, height);
    }

    /// <summary>The top-left corner of line <paramref name="line"/> (0 = label, 1 = distance) of a cell; row -1 is the header.</summary>
    public (int X, int Y) TextOrigin(int row, int column, int line, string text)
    {
        int x = ColumnLeft(column) + Math.Max(0, (CellWidth - BitmapFont.Width(text, _options.TextScale)) / 2);
        int y = row < 0 ? Padding : RowTop(row) + Padding + _options.ImageSize + Padding / 2 + line * LineHeight;
        return (x, y);
    }
}
