using MlNetConv.Training;

namespace MlNetConv.Plots.Tests;

public class LineChartTests
{
    private static readonly double[] Epochs = [1, 2, 3, 4, 5, 6];

    private static LineChart TwoSeries(bool logY = false) => new("two series", "epoch",
        new LinePanel("loss", [new LineSeries("training", Epochs, [2.0, 1.2, 0.8, 0.5, 0.3, 0.2]), new LineSeries("validation", Epochs, [2.2, 1.5, 1.1, 0.9, 0.85, 0.9])]) { LogY = logY });

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Each_series_colour_is_where_its_points_map_and_nowhere_near_the_others_points(bool logY)
    {
        var chart = TwoSeries(logY);
        var png = Png.Of(chart);
        var (width, height, axes, legends) = chart.Layout();
        Assert.Equal((width, height), (png.Width, png.Height));
        var panel = chart.Panels[0];
        for (int s = 0; s < 2; s++)
        {
            var colour = legends[0][s].Colour;
            Assert.Equal(Palette.SeriesColour(s), colour);
            for (int i = 0; i < Epochs.Length; i++)
            {
                int x = axes[0].Px(panel.Series[s].X[i]), y = axes[0].Py(panel.Series[s].Y[i]);
                Assert.Equal(colour, png[x, y]);
                Assert.True(axes[0].Left <= x && x <= axes[0].Right && axes[0].Top <= y && y <= axes[0].Bottom);
            }
            // Every pixel of the series' colour lies in the plot area or the legend.
            Assert.All(png.Find(colour), p => Assert.True(p.X >= axes[0].Left - 5 && p.Y >= axes[0].Top - 5 && p.Y <= axes[0].Bottom + 5, $"{colour} at {p}"));
        }
        // The validation's last point is above the training's in pixels (larger loss, smaller row).
        Assert.True(axes[0].Py(0.9) < axes[0].Py(0.2));
        if (logY) Assert.InRange(axes[0].Py(1) - (axes[0].Py(0.1) + axes[0].Py(10)) / 2.0, -1, 1);  // a decade each side, to the pixel
    }

    [Fact]
    public void Legend_title_and_axis_labels_are_drawn_where_they_belong()
    {
        var chart = TwoSeries();
        var png = Png.Of(chart);
        var (width, _, axes, legends) = chart.Layout();
        var a = axes[0];
        var (lw, lh) = Legend.Size(legends[0]);
        int legendLeft = LineChart.LegendLeft(a);
        Assert.True(legendLeft + lw <= width);
        Assert.NotEmpty(png.Find(Palette.SeriesColour(0), legendLeft, a.Top, lw, lh));
        Assert.NotEmpty(png.Find(Palette.SeriesColour(1), legendLeft, a.Top, lw, lh));
        Assert.True(png.Find(Palette.Ink, legendLeft, a.Top, lw, lh).Count > 100, "legend names");
        Assert.True(png.Find(Palette.Ink, 0, 0, width, a.Top - 2).Count > 100, "title");
        Assert.True(png.Find(Palette.Ink, 0, a.Top, a.Left - 2, a.Height).Count > 100, "y tick labels and title");
        Assert.True(png.Find(Palette.Ink, a.Left, a.Bottom + 3, a.Width, png.Height - a.Bottom - 3).Count > 100, "x tick labels and title");
        Assert.True(png.Find(Palette.Grid, a.Left, a.Top, a.Width, a.Height).Count > a.Width, "gridlines");
    }

    [Fact]
    public void Training_curves_stack_loss_accuracy_and_learning_rate_over_shared_epochs()
    {
        var history = Enumerable.Range(1, 5).Select(e => new EpochRecord(e, 1.0 / e, 1 - 0.3 / e, 1.2 / e, 1 - 0.4 / e, 0.1f / e, TimeSpan.FromSeconds(1))).ToList();
        var chart = TrainingCurves.Of(history, "run");
        Assert.Equal(["loss", "accuracy", "learning rate"], chart.Panels.Select(p => p.YLabel));
        Assert.Equal(["training", "validation"], chart.Panels[1].Series.Select(s => s.Name));
        var (_, _, axes, _) = chart.Layout();
        Assert.Equal(3, axes.Length);
        Assert.All(axes, a => Assert.Equal((axes[0].Left, axes[0].Width), (a.Left, a.Width)));
        Assert.True(axes[0].Bottom < axes[1].Top && axes[1].Bottom < axes[2].Top);
        var png = Png.Of(chart);
        for (int e = 0; e < 5; e++) Assert.Equal(Palette.SeriesColour(1), png[axes[1].Px(e + 1), axes[1].Py(history[e].ValidationAccuracy!.Value)]);
        // Without a validation split, one series a panel.
        var alone = TrainingCurves.Of([.. history.Select(h => h with { ValidationLoss = null, ValidationAccuracy = null })]);
        Assert.All(alone.Panels, p => Assert.Single(p.Series));
    }

    [Fact]
    public void The_same_chart_gives_the_same_bytes()
    {
        Assert.Equal(TwoSeries().ToPng(), TwoSeries().ToPng());
        Assert.NotEqual(TwoSeries().ToPng(), TwoSeries(logY: true).ToPng());
    }

    [Fact]
    public void Bad_series_are_refused_with_their_name()
    {
        LineChart Chart(LineSeries s, bool log = false) => new("t", "x", new LinePanel("y", [s]) { LogY = log });
        Assert.Contains("'a'", Assert.Throws<ArgumentException>(() => Chart(new LineSeries("a", [1, 2], [1])).ToPng()).Message);
        Assert.Contains("not finite", Assert.Throws<ArgumentException>(() => Chart(new LineSeries("b", [1, 2], [1, double.NaN])).ToPng()).Message);
        Assert.Contains("logarithmic", Assert.Throws<ArgumentException>(() => Chart(new LineSeries("c", [1, 2], [1, 0]), log: true).ToPng()).Message);
        Assert.Throws<ArgumentException>(() => new LineChart("t", "x").ToPng());
        Assert.Throws<ArgumentException>(() => new LineChart("t", "x", new LinePanel("y", [])).ToPng());
        Assert.Throws<ArgumentOutOfRangeException>(() => new LineChart("t", "x", new LinePanel("y", [new LineSeries("d", [1], [1])])) { PlotWidth = 10 }.ToPng());
    }
}
