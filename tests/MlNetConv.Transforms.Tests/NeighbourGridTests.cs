using MlNetConv.Neighbours;
using MlNetConv.Plots;
using SkiaSharp;

namespace MlNetConv.Transforms.Tests;

/// <summary>
/// The neighbour grid PNG, decoded again: its size follows the layout, every cell holds its image's pixels (scaled by a
/// whole factor or shrunk), labels and distances are drawn in the built-in font where the layout puts them, and a
/// failed write leaves the previous file alone.
/// </summary>
public sealed class NeighbourGridTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "mlnetconv-grid-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    /// <summary>A (channels, h, w) image whose every pixel differs from its neighbours', in [0, 1].</summary>
    private static float[] Pattern(int channels, int h, int w, int seed) =>
        [.. Enumerable.Range(0, channels * h * w).Select(i => ((i * 37 + seed * 101) % 251) / 255f)];

    [Fact]
    public void Grid_HoldsEachImagesPixels_AndItsText()
    {
        var options = new NeighbourGridOptions();
        var grey = GridImage.FromPlanar(Pattern(1, 28, 28, 1), 1, 28, 28);            // grows 3 times to 84x84
        var colour = GridImage.FromPlanar(Pattern(3, 10, 20, 2), 3, 10, 20);         // grows 4 times to 80x40
        var large = GridImage.FromPlanar(Pattern(1, 200, 100, 3), 1, 200, 100);      // shrinks to 42x84
        var rows = new[]
        {
            new NeighbourGridRow(new NeighbourGridCell(grey, "7"), [new(colour, "cat", 1.5f), new(large, "dog", 2.25f), new(grey, "7", 0f)]),
            new NeighbourGridRow(new NeighbourGridCell(colour, "a rather long label"), [new(grey, null, 10f)]),
        };
        string path = Path.Combine(_folder, "sub", "grid.png");
        NeighbourGrid.Write(path, rows, options);

        using var bitmap = SKBitmap.Decode(path);
        var layout = new GridLayout(options, rows: 2, neighbours: 3);
        Assert.Equal((layout.Width, layout.Height), (bitmap.Width, bitmap.Height));
        Assert.Equal((4 * 96 + 12, 32 + 2 * (6 + 84 + 3 + 40 + 6)), (bitmap.Width, bitmap.Height));

        AssertImage(bitmap, layout, 0, 0, grey, 84, 84);
        AssertImage(bitmap, layout, 0, 1, colour, 80, 40);
        AssertImage(bitmap, layout, 0, 2, large, 42, 84);
        AssertImage(bitmap, layout, 0, 3, grey, 84, 84);
        AssertImage(bitmap, layout, 1, 0, colour, 80, 40);
        AssertImage(bitmap, layout, 1, 1, grey, 84, 84);
        // The missing neighbours of row 1 leave white cells.
        var (left, top, _, _) = layout.ImagePlacement(1, 2, 84, 84);
        Assert.Equal(SKColors.White, bitmap.GetPixel(left + 40, top + 40));

        AssertText(bitmap, layout, -1, 0, 0, "query", 2);
        AssertText(bitmap, layout, -1, 3, 0, "3", 2);
        AssertText(bitmap, layout, 0, 0, 0, "7", 2);
        AssertText(bitmap, layout, 0, 1, 0, "cat", 2);
        AssertText(bitmap, layout, 0, 1, 1, "1.50", 2);
        AssertText(bitmap, layout, 0, 2, 1, "2.25", 2);
        AssertText(bitmap, layout, 1, 1, 1, "10.00", 2);
        // 96 pixels hold 8 characters at scale 2: a longer label is cut and ends in '.'.
        AssertText(bitmap, layout, 1, 0, 0, "a rathe.", 2);
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, "*.tmp"));
    }

    [Fact]
    public void Rows_FromSearchResults_CarryImagesLabelsAndDistances()
    {
        var images = Enumerable.Range(0, 6).Select(i => GridImage.FromPlanar(Pattern(1, 4, 4, i), 1, 4, 4)).ToArray();
        string[] labels = ["zero", "one", "two", "three", "four", "five"];
        var vectors = new float[] { 0, 1, 3, 6, 10, 15 };
        using var index = new NearestNeighbourIndex(MlNetConv.Backends.Cpu.CpuBackend.Default, vectors, 1);
        var results = index.SearchLeaveOneOut(2);
        var rows = NeighbourGrid.Rows(results, images, images, labels, labels);
        Assert.Equal(6, rows.Count);
        Assert.Same(images[2], rows[2].Query.Image);
        Assert.Equal("two", rows[2].Query.Label);
        Assert.Null(rows[2].Query.Distance);
        Assert.Equal(["one", "zero"], rows[2].Neighbours.Select(n => n.Label));   // 3 is 2 from 1, 3 from 0 and 6
        Assert.Equal([2f, 3f], rows[2].Neighbours.Select(n => n.Distance!.Value));
        Assert.Same(images[1], rows[2].Neighbours[0].Image);
        Assert.Contains("6 queries were searched, but 5 query images", Assert.Throws<ArgumentException>(() => NeighbourGrid.Rows(results, images[..5], images)).Message);
        Assert.Contains("name reference 5, but 5 reference images", Assert.Throws<ArgumentException>(() => NeighbourGrid.Rows(results, images, images[..5])).Message);
    }

    [Fact]
    public void ImageFiles_AreRead_AlphaOverBlack_AndBadFilesNamed()
    {
        Directory.CreateDirectory(_folder);
        string path = Path.Combine(_folder, "cell.png");
        using (var source = new SKBitmap(new SKImageInfo(3, 2, SKColorType.Rgba8888, SKAlphaType.Unpremul)))
        {
            source.SetPixel(0, 0, new SKColor(255, 0, 0));
            source.SetPixel(1, 0, new SKColor(0, 255, 0));
            source.SetPixel(2, 0, new SKColor(0, 0, 255));
            source.SetPixel(0, 1, new SKColor(200, 100, 50, 0));      // transparent: black
            source.SetPixel(1, 1, new SKColor(255, 255, 255, 255));
            source.SetPixel(2, 1, new SKColor(10, 20, 30));
            using var stream = File.Create(path);
            source.Encode(stream, SKEncodedImageFormat.Png, 100);
        }
        var image = GridImage.FromFile(path);
        Assert.Equal((3, 2), (image.Width, image.Height));
        Assert.Equal(new byte[] { 255, 0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 10, 20, 30 }, image.Rgb);

        string corrupt = Path.Combine(_folder, "corrupt.png");
        File.WriteAllBytes(corrupt, [0x89, 0x50, 0x4E, 0x47, 1, 2, 3]);
        Assert.Contains(corrupt, Assert.Throws<InvalidDataException>(() => GridImage.FromFile(corrupt)).Message);
        Assert.Contains("missing.png", Assert.Throws<FileNotFoundException>(() => GridImage.FromFile(Path.Combine(_folder, "missing.png"))).Message);
    }

    [Fact]
    public void BadArguments_AreRefused_AndAFailedWriteKeepsTheOldFile()
    {
        var image = GridImage.FromPlanar([0.5f], 1, 1, 1);
        Assert.Contains("1 (grey) or 3", Assert.Throws<ArgumentOutOfRangeException>(() => GridImage.FromPlanar([0, 0], 2, 1, 1)).Message);
        Assert.Contains("needs 3 values, got 2", Assert.Throws<ArgumentException>(() => GridImage.FromPlanar([0, 0], 3, 1, 1)).Message);
        Assert.Contains("0x1 pixels", Assert.Throws<ArgumentOutOfRangeException>(() => GridImage.FromPlanar([], 1, 1, 0)).Message);
        Assert.Contains("at least one row", Assert.Throws<ArgumentException>(() => NeighbourGrid.Write(Path.Combine(_folder, "x.png"), [])).Message);
        Assert.Contains("ImageSize", Assert.Throws<ArgumentOutOfRangeException>(() =>
            NeighbourGrid.Write(Path.Combine(_folder, "x.png"), [new NeighbourGridRow(new(image), [])], new NeighbourGridOptions { ImageSize = 2 })).Message);

        string path = Path.Combine(_folder, "kept.png");
        NeighbourGrid.Write(path, [new NeighbourGridRow(new(image, "kept"), [new(image, "n", 1f)])]);
        var before = File.ReadAllBytes(path);
        var tooMany = Enumerable.Range(0, 20_000).Select(_ => new NeighbourGridRow(new(image), [new(image)])).ToArray();
        Assert.Contains("more than", Assert.Throws<ArgumentException>(() => NeighbourGrid.Write(path, tooMany, new NeighbourGridOptions { ImageSize = 1024 })).Message);
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Empty(Directory.GetFiles(_folder, "*.tmp"));
    }

    private static void AssertImage(SKBitmap bitmap, GridLayout layout, int row, int column, GridImage image, int width, int height)
    {
        var (left, top, w, h) = layout.ImagePlacement(row, column, image.Width, image.Height);
        Assert.Equal((width, height), (w, h));
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int source = (y * image.Height / h * image.Width + x * image.Width / w) * 3;
                var expected = new SKColor(image.Rgb[source], image.Rgb[source + 1], image.Rgb[source + 2]);
                var actual = bitmap.GetPixel(left + x, top + y);
                if (actual != expected) Assert.Fail($"cell ({row}, {column}) pixel ({x}, {y}): {actual}, expected {expected}");
            }
        // Around the image, inside its square, the background.
        if (w < 84) Assert.Equal(SKColors.White, bitmap.GetPixel(left - 1, top + h / 2));
        if (h < 84) Assert.Equal(SKColors.White, bitmap.GetPixel(left + w / 2, top - 1));
    }

    /// <summary>The glyphs of <paramref name="text"/> are drawn, pixel for pixel, where the layout says, and nothing else is in that box.</summary>
    private static void AssertText(SKBitmap bitmap, GridLayout layout, int row, int column, int line, string text, int scale)
    {
        var (x0, y0) = layout.TextOrigin(row, column, line, text);
        int width = BitmapFont.Width(text, scale);
        for (int y = 0; y < BitmapFont.CellRows * scale; y++)
            for (int x = 0; x < width; x++)
            {
                int character = x / (BitmapFont.Advance * scale), column5 = x % (BitmapFont.Advance * scale) / scale;
                bool ink = column5 < BitmapFont.GlyphWidth && (BitmapFont.Glyph(text[character])[y / scale] & (1 << (BitmapFont.GlyphWidth - 1 - column5))) != 0;
                var pixel = bitmap.GetPixel(x0 + x, y0 + y);
                if (pixel != (ink ? SKColors.Black : SKColors.White))
                    Assert.Fail($"text '{text}' in cell ({row}, {column}) line {line}: pixel ({x}, {y}) is {pixel}, expected {(ink ? "ink" : "paper")}");
            }
    }
}
