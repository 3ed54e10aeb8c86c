namespace MlNetConv.Plots.Tests;

public sealed class FigureFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("plots-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static LineChart Chart(params double[] y) => new("file", "x", new LinePanel("y", [new LineSeries("s", [.. y.Select((_, i) => (double)i)], y)]));

    [Fact]
    public void Save_writes_the_png_bytes_into_a_new_folder()
    {
        string path = Path.Combine(_folder, "new", "chart.png");
        Chart(1, 2, 3).Save(path);
        Assert.Equal(Chart(1, 2, 3).ToPng(), File.ReadAllBytes(path));
        Assert.Equal([path], Directory.GetFiles(Path.GetDirectoryName(path)!));
    }

    [Fact]
    public void A_figure_that_cannot_be_drawn_leaves_the_previous_file_and_no_temporary()
    {
        string path = Path.Combine(_folder, "chart.png");
        Chart(1, 2, 3).Save(path);
        byte[] before = File.ReadAllBytes(path);
        Assert.Throws<ArgumentException>(() => Chart(1, double.PositiveInfinity).Save(path));
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal([path], Directory.GetFiles(_folder));
        Assert.Throws<ArgumentException>(() => Chart(1, double.NaN).Save(Path.Combine(_folder, "never.png")));
        Assert.False(File.Exists(Path.Combine(_folder, "never.png")));
    }

    [Fact]
    public void Render_gives_the_pixels_of_the_png()
    {
        using var bitmap = Chart(3, 1, 2).Render();
        var png = Png.Of(Chart(3, 1, 2));
        Assert.Equal((png.Width, png.Height), (bitmap.Width, bitmap.Height));
        for (int y = 0; y < png.Height; y += 7)
            for (int x = 0; x < png.Width; x += 5)
            {
                var p = bitmap.GetPixel(x, y);
                Assert.Equal(png[x, y], new Rgb(p.Red, p.Green, p.Blue));
            }
    }

    [Fact]
    public void A_figure_too_large_to_draw_is_refused_before_anything_is_allocated()
    {
        var chart = new LineChart("big", "x", [.. Enumerable.Range(0, 300).Select(i => new LinePanel("y", [new LineSeries("s", [0, 1], [0, 1])]))]) { PlotWidth = 4000, PlotHeight = 4000 };
        Assert.Contains("pixels", Assert.Throws<ArgumentException>(() => chart.ToPng()).Message);
    }
}
