using MlNetConv.Tensors;
using MlNetConv.Training;

namespace MlNetConv.Plots.Tests;

/// <summary>The figures of colour-coded values: confusion matrix, filter grid, activation maps, and the top-k bars.</summary>
public class HeatFigureTests
{
    [Fact]
    public void Colour_maps_run_from_end_to_end_in_order_of_luminance()
    {
        for (int i = 1; i <= 20; i++)
        {
            Assert.True(ColorMap.Viridis.Map(i / 20.0).Luminance > ColorMap.Viridis.Map((i - 1) / 20.0).Luminance);
            Assert.True(ColorMap.Blues.Map(i / 20.0).Luminance < ColorMap.Blues.Map((i - 1) / 20.0).Luminance);
        }
        Assert.Equal(Rgb.White, ColorMap.BlueWhiteRed.Map(0.5));
        Assert.True(ColorMap.BlueWhiteRed.Map(0).B > ColorMap.BlueWhiteRed.Map(0).R && ColorMap.BlueWhiteRed.Map(1).R > ColorMap.BlueWhiteRed.Map(1).B);
    }

    [Fact]
    public void Confusion_cells_are_coloured_by_row_share_in_their_place_with_their_counts()
    {
        var matrix = new ConfusionMatrix(2);
        foreach (var (t, p, n) in new[] { (0, 0, 9), (0, 1, 1), (1, 0, 2), (1, 1, 8) })
            for (int i = 0; i < n; i++) matrix.Add(t, p);
        var plot = new ConfusionMatrixPlot(matrix, ["cat", "dog"], "pets");
        Assert.Equal(0.9, plot.Share(0, 0), 12);
        Assert.Equal(0.2, plot.Share(1, 0), 12);
        var png = Png.Of(plot);
        var map = ColorMap.Blues;
        var (tl, tr, bl, br) = (png.Centroid(map.Map(0.9), 100), png.Centroid(map.Map(0.1), 100), png.Centroid(map.Map(0.2), 100), png.Centroid(map.Map(0.8), 100));
        Assert.True(tl.X < tr.X && Math.Abs(tl.Y - tr.Y) < 3, "row 0: true cat, predicted cat then dog");
        Assert.True(bl.X < br.X && bl.Y > tl.Y + 10 && Math.Abs(bl.X - tl.X) < 3, "row 1 below row 0");
        // The count 9 in white on the dark cell: white pixels around its centre.
        Assert.NotEmpty(png.Find(Rgb.White, (int)tl.X - 10, (int)tl.Y - 10, 20, 20));
        // A colour bar: the map's ends appear as whole rows outside the cells.
        Assert.True(png.Find(map.Map(1)).Count >= ColorBar.BarWidth);
    }

    [Fact]
    public void Confusion_plot_refuses_names_that_do_not_match()
    {
        Assert.Throws<ArgumentException>(() => new ConfusionMatrixPlot(new ConfusionMatrix(3), ["a", "b"]).ToPng());
    }

    [Fact]
    public void Single_channel_filters_lie_in_rows_by_filter_and_their_weights_in_kernel_order()
    {
        // 2 filters of 1x2x2: filter 0 grows left to right, top to bottom; filter 1 is filter 0 reversed.
        float[] weights = [-1f, -0.5f, 0.5f, 1f, 1f, 0.5f, -0.5f, -1f];
        var grid = new FilterGrid(weights, new Shape(2, 1, 2, 2), "conv") { Columns = 1 };
        var png = Png.Of(grid);
        var map = ColorMap.BlueWhiteRed;  // on the symmetric scale -1..1
        var (lowest, low, high, highest) = (map.Map(0), map.Map(0.25), map.Map(0.75), map.Map(1));
        int zoom = HeatMap.Zoom(2, grid.TileSize);
        // The colour bar's bottom row, BarWidth pixels right of the tiles, is of that colour too; a tile's rows are zoom wide.
        var blue = png.Find(lowest).GroupBy(p => p.Y).Where(row => row.Count() >= zoom).SelectMany(row => row.OrderBy(p => p.X).Take(zoom)).ToList();
        Assert.NotEqual(ColorBar.BarWidth, zoom);
        Assert.Equal(2 * zoom * zoom, blue.Count);
        int firstRow = blue.Min(p => p.Y);
        var tiles = blue.GroupBy(p => p.Y < firstRow + zoom).OrderBy(g => g.Key ? 0 : 1).Select(g => (X: g.Min(p => p.X), Y: g.Min(p => p.Y))).ToArray();
        Assert.Equal(2, tiles.Length);
        var (x0, y0) = tiles[0];  // filter 0's -1 is its top-left weight
        Assert.Equal((low, high, highest), (png[x0 + zoom, y0], png[x0, y0 + zoom], png[x0 + zoom, y0 + zoom]));
        var (x1, y1) = tiles[1];  // filter 1's -1 is its bottom-right weight, in the row below
        Assert.True(y1 > y0 + 2 * zoom);
        Assert.Equal(x0 + zoom, x1);
        Assert.Equal((low, high, highest), (png[x1 - zoom, y1], png[x1, y1 - zoom], png[x1 - zoom, y1 - zoom]));
    }

    [Fact]
    public void Filters_of_several_channels_are_rows_of_a_tile_per_channel()
    {
        // Filter 0: channel 0 is -1 (blue), channel 1 is +1 (red); filter 1 the other way round.
        var png = Png.Of(new FilterGrid([-1f, 1f, 1f, -1f], new Shape(2, 2, 1, 1), "conv2"));
        // Each tile is a full zoom x zoom square; the colour bar's end rows are narrower.
        int zoom = HeatMap.Zoom(1, 60);
        List<(int X, int Y)> Tiles(Rgb colour) => [.. png.Find(colour).GroupBy(p => p.Y).Where(r => r.Count() >= zoom).SelectMany(r => r.OrderBy(p => p.X).Take(zoom))];
        var blue = Tiles(ColorMap.BlueWhiteRed.Map(0));
        var red = Tiles(ColorMap.BlueWhiteRed.Map(1));
        Assert.Equal(2 * zoom * zoom, blue.Count);
        Assert.Equal(2 * zoom * zoom, red.Count);
        int middle = (blue.Min(p => p.Y) + blue.Max(p => p.Y)) / 2;
        Assert.True(blue.Where(p => p.Y < middle).Max(p => p.X) < red.Where(p => p.Y < middle).Min(p => p.X), "filter 0: blue left of red");
        Assert.True(red.Where(p => p.Y > middle).Max(p => p.X) < blue.Where(p => p.Y > middle).Min(p => p.X), "filter 1: red left of blue");
    }

    [Fact]
    public void Rgb_filters_scale_each_filter_alone_and_come_in_filter_order()
    {
        // Filter 0 is red (only its red plane is non-zero), filter 1 green, filter 2 blue; the scales differ a hundredfold.
        var weights = new float[3 * 3 * 1 * 1];
        weights[0 * 3 + 0] = 100f;
        weights[1 * 3 + 1] = 1f;
        weights[2 * 3 + 2] = 0.5f;
        var png = Png.Of(new FilterGrid(weights, new Shape(3, 3, 1, 1), "rgb") { Columns = 3 });
        var (red, green, blue) = (png.Centroid(new Rgb(255, 0, 0), 100), png.Centroid(new Rgb(0, 255, 0), 100), png.Centroid(new Rgb(0, 0, 255), 100));
        Assert.True(red.X < green.X && green.X < blue.X);
        Assert.Equal(red.Y, blue.Y, 0);
    }

    [Fact]
    public void Filter_grid_refuses_weights_that_are_not_a_convolutions()
    {
        Assert.Contains("rank 2", Assert.Throws<ArgumentException>(() => new FilterGrid(new float[6], new Shape(2, 3), "dense").ToPng()).Message);
        Assert.Contains("need 12", Assert.Throws<ArgumentException>(() => new FilterGrid(new float[11], new Shape(3, 1, 2, 2), "c").ToPng()).Message);
        Assert.Throws<ArgumentException>(() => new FilterGrid([float.NaN, 0, 0, 0], new Shape(1, 1, 2, 2), "c").ToPng());
    }

    [Fact]
    public void Activation_cells_are_ordered_by_value_left_to_right()
    {
        float[] values = [0, 1, 2, 3, 4];  // one map of 1x5
        foreach (bool shared in new[] { false, true })
        {
            var figure = new ActivationMaps(null, [new ActivationLayer("conv1", values, new Shape(1, 1, 5))]) { SharedScale = shared };
            var png = Png.Of(figure);
            var ticks = NiceTicks.Inside(0, 4, 4);
            int zoom = HeatMap.Zoom(5, figure.TileSize), tiles = 12 + 5 * zoom + 2;  // left of the colour bar
            var centres = values.Select(v => png.Centroid(ColorMap.Viridis.Map(shared ? ticks.Fraction(v) : v / 4.0), zoom * zoom, tiles)).ToArray();
            for (int i = 1; i < centres.Length; i++)
            {
                Assert.True(centres[i].X > centres[i - 1].X, $"cell {i} not right of cell {i - 1}");
                Assert.Equal(centres[0].Y, centres[i].Y, 0);
            }
        }
    }

    [Fact]
    public void Activation_maps_put_the_input_first_and_one_tile_per_channel()
    {
        var input = GridImage.FromPlanar([0.5f, 0.5f, 0.5f, 0.5f], 1, 2, 2);
        var values = new float[3 * 2 * 2];
        for (int c = 0; c < 3; c++) values[c * 4 + c] = 1;  // channel c lights value c
        var png = Png.Of(new ActivationMaps(input, [new ActivationLayer("relu1", values, new Shape(3, 2, 2))]) { SharedScale = false });
        var bright = png.Find(ColorMap.Viridis.Map(1)).Select(p => p.X).Distinct().Order().ToArray();
        int tiles = 1 + bright.Zip(bright.Skip(1)).Count(pair => pair.Second - pair.First > 1);
        Assert.Equal(3, tiles);
        var grey = png.Find(new Rgb(128, 128, 128));
        Assert.True(grey.Count >= 4 * 100 && grey.Max(p => p.X) < bright[0], "the input, large, left of the maps");
        Assert.Contains("(C, H, W)", Assert.Throws<ArgumentException>(() => new ActivationMaps(null, [new ActivationLayer("x", new float[4], new Shape(1, 1, 2, 2))]).ToPng()).Message);
        Assert.Throws<ArgumentException>(() => new ActivationMaps(null, [new ActivationLayer("x", new float[3], new Shape(1, 2, 2))]).ToPng());
    }

    [Fact]
    public void Top_bars_are_as_long_as_their_probabilities_in_order()
    {
        float[] probabilities = [0.05f, 0.6f, 0.1f, 0.25f];
        var bars = new TopClassesBars(["a", "b", "c", "d"], probabilities, k: 3, title: "top 3");
        Assert.Equal([1, 3, 2], bars.Top());
        var png = Png.Of(bars);
        var first = png.Find(Palette.SeriesColour(0));
        var rest = png.Find(Palette.SeriesColour(0).Towards(Rgb.White, 0.45));
        int Length(List<(int X, int Y)> pixels, int y) => pixels.Count(p => p.Y == y);
        int top = first.Min(p => p.Y);
        var restRows = rest.GroupBy(p => p.Y).Select(g => (Y: g.Key, Width: g.Count())).OrderBy(r => r.Y).ToList();
        int second = restRows.First().Width, third = restRows.Last().Width;
        int full = Length(first, top);
        Assert.Equal(0.25 / 0.6, (double)second / full, 1);
        Assert.Equal(0.1 / 0.6, (double)third / full, 1);
        Assert.True(second > third);
        Assert.Throws<ArgumentException>(() => new TopClassesBars(["a"], [0.5f, 0.5f]).ToPng());
        Assert.Throws<ArgumentException>(() => new TopClassesBars(["a", "b"], [1.5f, 0f]).ToPng());
    }
}
