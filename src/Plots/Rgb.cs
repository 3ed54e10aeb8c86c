namespace MlNetConv.Plots;

/// <summary>An opaque 8-bit colour.</summary>
public readonly record struct Rgb(byte R, byte G, byte B)
{
    public static readonly Rgb White = new(255, 255, 255), Black = new(0, 0, 0);

    /// <summary>The colour a fraction <paramref name="t"/> (clamped to [0, 1]) of the way from this one to <paramref name="other"/>.</summary>
    public Rgb Towards(Rgb other, double t)
    {
        t = double.IsNaN(t) ? 0 : Math.Clamp(t, 0, 1);
        return new((byte)Math.Round(R + (other.R - R) * t), (byte)Math.Round(G + (other.G - G) * t), (byte)Math.Round(B + (other.B - B) * t));
    }

    /// <summary>Relative luminance in [0, 1] (Rec. 709 weights of the stored values): what ink reads on it.</summary>
    public double Luminance => (0.2126 * R + 0.7152 * G + 0.0722 * B) / 255;

    public override string ToString() => $"#{R:X2}{G:X2}{B:X2}";
}
