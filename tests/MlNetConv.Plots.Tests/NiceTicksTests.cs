namespace MlNetConv.Plots.Tests;

public class NiceTicksTests
{
    [Theory]
    [InlineData(0.13, 0.87, 0.2)]
    [InlineData(0, 1, 0.2)]
    [InlineData(-3.2, 47, 20)]
    [InlineData(0.0021, 0.0498, 0.01)]
    public void Linear_ticks_are_whole_steps_of_1_2_or_5_covering_the_data(double min, double max, double step)
    {
        var ticks = NiceTicks.Linear(min, max, 6);
        Assert.True(ticks.Low <= min && ticks.High >= max);
        Assert.Equal(ticks.Low, ticks.Values[0], 9);
        Assert.Equal(ticks.High, ticks.Values[^1], 9);
        for (int i = 1; i < ticks.Values.Length; i++) Assert.Equal(step, ticks.Values[i] - ticks.Values[i - 1], 9);
        Assert.InRange(ticks.Values.Length, 4, 12);
        Assert.Equal(ticks.Values.Length, ticks.Labels.Distinct().Count());
    }

    [Fact]
    public void Labels_have_the_decimals_of_the_step_and_integer_axes_never_step_below_one()
    {
        Assert.Equal(["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"], NiceTicks.Linear(0, 1, 6).Labels);
        var epochs = NiceTicks.Linear(1, 3, 8, integers: true);
        Assert.Equal([1.0, 2, 3], epochs.Values);
        Assert.Equal(["1", "2", "3"], epochs.Labels);
        var flat = NiceTicks.Linear(5, 5);
        Assert.True(flat.Low < 5 && flat.High > 5);
    }

    [Fact]
    public void Logarithmic_ticks_are_powers_of_ten_with_2_and_5_over_few_decades()
    {
        var wide = NiceTicks.Logarithmic(0.003, 40);
        Assert.Equal([0.001, 0.01, 0.1, 1, 10, 100], wide.Values.Select(v => Math.Round(v, 6)));
        Assert.Equal(["0.001", "0.01", "0.1", "1", "10", "100"], wide.Labels);
        var narrow = NiceTicks.Logarithmic(0.2, 3);
        Assert.Equal([0.1, 0.2, 0.5, 1, 2, 5, 10], narrow.Values.Select(v => Math.Round(v, 6)));
        Assert.Equal("1e-5", NiceTicks.FormatLog(1e-5));
        Assert.Equal(0.5, wide.Fraction(Math.Sqrt(0.001 * 100)), 9);
        Assert.Throws<ArgumentException>(() => NiceTicks.Logarithmic(0, 1));
    }

    [Theory]
    [InlineData(-7.3, 6.1)]
    [InlineData(0, 3.3)]
    [InlineData(-0.84, 0.84)]
    [InlineData(0.013, 0.02)]
    public void Ticks_inside_keep_the_data_ends_and_at_least_three_nice_values(double min, double max)
    {
        var ticks = NiceTicks.Inside(min, max);
        Assert.Equal((min, max), (ticks.Low, ticks.High));
        Assert.True(ticks.Values.Length >= 3, string.Join(" ", ticks.Labels));
        Assert.All(ticks.Values, v => Assert.InRange(v, min - 1e-12, max + 1e-12));
        double step = ticks.Values[1] - ticks.Values[0];
        double mantissa = step / Math.Pow(10, Math.Floor(Math.Log10(step) + 1e-9));
        Assert.Contains(Math.Round(mantissa, 6), new[] { 1.0, 2, 5 });
        Assert.Equal(ticks.Values.Length, ticks.Labels.Distinct().Count());
    }
}
