namespace MlNetConv.Plots;

/// <summary>The figures' colours: ten distinct series colours (each with its own marker), ink, gridlines and background.</summary>
public static class Palette
{
    public static readonly Rgb Background = Rgb.White, Ink = Rgb.Black, Grid = new(225, 225, 225), Frame = new(90, 90, 90), Faint = new(110, 110, 110);

    /// <summary>Series colours, distinct from each other and readable on white: blue, orange, green, red, purple, brown, pink, grey, olive, cyan.</summary>
    public static IReadOnlyList<Rgb> Series { get; } =
    [
        new(31, 119, 180), new(255, 127, 14), new(44, 160, 44), new(214, 39, 40), new(148, 103, 189),
        new(140, 86, 75), new(227, 119, 194), new(127, 127, 127), new(188, 189, 34), new(23, 190, 207),
    ];

    /// <summary>Series <paramref name="index"/>'s colour (the colours repeat after ten).</summary>
    public static Rgb SeriesColour(int index) => Series[index % Series.Count];

    /// <summary>Series <paramref name="index"/>'s marker (the markers repeat after seven, so colour and marker pairs after seventy).</summary>
    public static Marker SeriesMarker(int index) => (Marker)(index % Enum.GetValues<Marker>().Length);
}
