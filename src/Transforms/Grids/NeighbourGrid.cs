using System.Globalization;
using MlNetConv.Neighbours;
using MlNetConv.Persistence;
using MlNetConv.Plots;

namespace MlNetConv.Transforms;

/// <summary>
/// A PNG of queries and their nearest neighbours, as on the lecture's AlexNet slide: a header row, then one row per
/// query, <c>query | neighbour 1 … neighbour k</c>, each cell an image scaled into a square with its label and distance
/// written under it in a built-in 5x7 font (<see cref="BitmapFont"/>: the same pixels on every machine, fonts installed
/// or not). Written to a temporary file renamed into place, so a failure never leaves half a PNG.
/// <code>
/// var rows = NeighbourGrid.Rows(results, testImages, trainImages, testLabels, trainLabels);
/// NeighbourGrid.Write("neighbours.png", rows);
/// </code>
/// </summary>
public static class NeighbourGrid
{
    /// <summary>The most pixels a grid may have (256 MB of RGBA while it is drawn).</summary>
    public const long MaxPixels = Raster.MaxPixels;

    /// <summary>Draws <paramref name="rows"/> and writes them to <paramref name="path"/> as a PNG (the folder is created if needed).</summary>
    public static void Write(string path, IReadOnlyList<NeighbourGridRow> rows, NeighbourGridOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] png = Render(rows, options ?? NeighbourGridOptions.Default).EncodePng();
        using var file = AtomicFile.Create(path);
        file.Stream.Write(png);
        file.Commit();
    }

    /// <summary>
    /// The rows of a search's results: query q's image and label, then its neighbours' images, labels and distances.
    /// </summary>
    /// <param name="queries">(results.Count) the queries' images</param>
    /// <param name="references">the searched vectors' images, by index</param>
    /// <param name="queryLabels">(results.Count) or null</param>
    /// <param name="referenceLabels">by index, or null</param>
    public static IReadOnlyList<NeighbourGridRow> Rows(NeighbourResults results, IReadOnlyList<GridImage> queries, IReadOnlyList<GridImage> references,
        IReadOnlyList<string>? queryLabels = null, IReadOnlyList<string>? referenceLabels = null)
    {
        ArgumentNullException.ThrowIfNull(results);
        ArgumentNullException.ThrowIfNull(queries);
        ArgumentNullException.ThrowIfNull(references);
        if (queries.Count != results.Count || queryLabels is not null && queryLabels.Count != results.Count)
            throw new ArgumentException($"{results.Count} queries were searched, but {queries.Count} query images{(queryLabels is null ? "" : $" and {queryLabels.Count} labels")} were given.");
        int most = results.Indices.Length == 0 ? -1 : results.Indices.Max();
        if (most >= references.Count || referenceLabels is not null && most >= referenceLabels.Count)
            throw new ArgumentException($"The results name reference {most}, but {references.Count} reference images{(referenceLabels is null ? "" : $" and {referenceLabels.Count} labels")} were given.");
        var rows = new NeighbourGridRow[results.Count];
        for (int q = 0; q < rows.Length; q++)
        {
            var indices = results.IndicesOf(q);
            var distances = results.DistancesOf(q);
            var neighbours = new NeighbourGridCell[indices.Length];
            for (int j = 0; j < neighbours.Length; j++)
                neighbours[j] = new NeighbourGridCell(references[indices[j]], referenceLabels?[indices[j]], distances[j]);
            rows[q] = new NeighbourGridRow(new NeighbourGridCell(queries[q], queryLabels?[q]), neighbours);
        }
        return rows;
    }

    /// <summary>The grid's pixels.</summary>
    internal static Raster Render(IReadOnlyList<NeighbourGridRow> rows, NeighbourGridOptions options)
    {
        ArgumentNullException.ThrowIfNull(rows);
        options.Validate();
        if (rows.Count == 0) throw new ArgumentException("A neighbour grid needs at least one row.", nameof(rows));
        for (int r = 0; r < rows.Count; r++)
            if (rows[r] is null || rows[r].Query?.Image is null || rows[r].Neighbours is null || rows[r].Neighbours.Any(n => n?.Image is null))
                throw new ArgumentException($"Row {r} of the neighbour grid lacks an image.", nameof(rows));
        var layout = new GridLayout(options, rows.Count, rows.Max(r => r.Neighbours.Count));
        if ((long)layout.Width * layout.Height > MaxPixels)
            throw new ArgumentException($"The grid would be {layout.Width}x{layout.Height} pixels, more than {MaxPixels}: draw fewer rows or neighbours, or smaller images.", nameof(rows));

        var raster = new Raster(layout.Width, layout.Height, GridLayout.Background);
        int s = options.TextScale;
        for (int c = 0; c < layout.Columns; c++)
        {
            string title = BitmapFont.Fit(c == 0 ? options.QueryTitle : c.ToString(CultureInfo.InvariantCulture), layout.CellWidth, s);
            var (x, y) = layout.TextOrigin(-1, c, 0, title);
            raster.Text(title, x, y, s, GridLayout.Ink);
        }
        // The query column apart from its neighbours, and the rows apart from each other.
        raster.FillRect(layout.CellWidth + layout.Gap / 2 - 1, 0, 2, layout.Height, GridLayout.Rule);
        for (int r = 0; r < rows.Count; r++)
        {
            raster.FillRect(0, layout.RowTop(r), layout.Width, 1, GridLayout.Rule);
            DrawCell(raster, layout, r, 0, rows[r].Query, options);
            for (int j = 0; j < rows[r].Neighbours.Count; j++) DrawCell(raster, layout, r, j + 1, rows[r].Neighbours[j], options);
        }
        return raster;
    }

    private static void DrawCell(Raster raster, GridLayout layout, int row, int column, NeighbourGridCell cell, NeighbourGridOptions options)
    {
        var image = cell.Image;
        var (left, top, width, height) = layout.ImagePlacement(row, column, image.Width, image.Height);
        for (int y = 0; y < height; y++)
        {
            int sourceRow = (int)((long)y * image.Height / height);
            for (int x = 0; x < width; x++)
            {
                int source = (sourceRow * image.Width + (int)((long)x * image.Width / width)) * 3;
                raster.Set(left + x, top + y, new Rgb(image.Rgb[source], image.Rgb[source + 1], image.Rgb[source + 2]));
            }
        }
        int s = options.TextScale;
        string?[] lines = [cell.Label, cell.Distance is { } d ? d.ToString("F" + options.DistanceDecimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) : null];
        for (int line = 0; line < lines.Length; line++)
        {
            if (string.IsNullOrEmpty(lines[line])) continue;
            string text = BitmapFont.Fit(lines[line]!, layout.CellWidth, s);
            var (x, y) = layout.TextOrigin(row, column, line, text);
            raster.Text(text, x, y, s, GridLayout.Ink);
        }
    }
}
