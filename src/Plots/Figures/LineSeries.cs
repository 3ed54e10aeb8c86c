namespace MlNetConv.Plots;

/// <summary>A named line of (x, y) points, in order of x; colour and marker by default the series' place in its panel.</summary>
public sealed record LineSeries(string Name, IReadOnlyList<double> X, IReadOnlyList<double> Y)
{
    public Rgb? Colour { get; init; }
    public Marker? Marker { get; init; }
}
