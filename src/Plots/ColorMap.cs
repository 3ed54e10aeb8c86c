namespace MlNetConv.Plots;

/// <summary>
/// A colour for each value in [0, 1], linear between anchor colours. <see cref="Viridis"/> and <see cref="Blues"/> grow
/// monotonically in luminance (darker is less for viridis, more for blues); <see cref="BlueWhiteRed"/> is diverging, 0.5
/// (a value of zero on a symmetric scale) white.
/// </summary>
public sealed class ColorMap
{
    private readonly Rgb[] _anchors;

    public ColorMap(string name, params Rgb[] anchors)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (anchors.Length < 2) throw new ArgumentException("A colour map needs at least two anchor colours.", nameof(anchors));
        Name = name;
        _anchors = anchors;
    }

    public string Name { get; }

    /// <summary>Dark violet through blue and green to yellow, brighter with the value (the anchors of matplotlib's viridis).</summary>
    public static ColorMap Viridis { get; } = new("viridis", new(68, 1, 84), new(59, 82, 139), new(33, 145, 140), new(94, 201, 98), new(253, 231, 37));

    /// <summary>White to dark blue, darker with the value.</summary>
    public static ColorMap Blues { get; } = new("blues", new(247, 251, 255), new(198, 219, 239), new(107, 174, 214), new(33, 113, 181), new(8, 48, 107));

    /// <summary>Blue for 0, white for 0.5, red for 1.</summary>
    public static ColorMap BlueWhiteRed { get; } = new("blue-white-red", new(33, 102, 172), new(146, 197, 222), Rgb.White, new(244, 165, 130), new(178, 24, 43));

    /// <summary>Black to white.</summary>
    public static ColorMap Grey { get; } = new("grey", Rgb.Black, Rgb.White);

    /// <summary>The colour of <paramref name="t"/>, clamped to [0, 1] (NaN as 0).</summary>
    public Rgb Map(double t)
    {
        t = double.IsNaN(t) ? 0 : Math.Clamp(t, 0, 1);
        double at = t * (_anchors.Length - 1);
        int low = Math.Min((int)at, _anchors.Length - 2);
        return _anchors[low].Towards(_anchors[low + 1], at - low);
    }
}
