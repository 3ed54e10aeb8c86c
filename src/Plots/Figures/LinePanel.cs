namespace MlNetConv.Plots;

/// <summary>One panel of a <see cref="LineChart"/>: its series against the chart's shared x axis, a y title, linear or logarithmic y.</summary>
public sealed record LinePanel(string YLabel, IReadOnlyList<LineSeries> Series)
{
    /// <summary>A logarithmic y axis (every y must be positive).</summary>
    public bool LogY { get; init; }
}
