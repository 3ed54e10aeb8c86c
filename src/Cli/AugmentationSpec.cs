using System.Globalization;
using MlNetConv.Preprocessing;

namespace MlNetConv.Cli;

/// <summary>
/// The value of <c>--augment</c>: comma-separated settings of <see cref="ImageAugmentation"/>, e.g.
/// <c>crop=2,flip,rotate=10</c>; <c>none</c> for none.
/// </summary>
internal static class AugmentationSpec
{
    public const string Help = "crop=PIXELS, flip, rotate=DEGREES, scale=S (<1), brightness=B, contrast=C (<=1), lighting=STD (RGB only), noise=STD; "
        + "comma-separated, e.g. crop=2,rotate=10";

    /// <exception cref="FormatException">an unknown setting or a value out of range</exception>
    public static ImageAugmentation? Parse(IEnumerable<string> values)
    {
        var a = new ImageAugmentation();
        bool any = false;
        foreach (string item in values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            if (item.Equals("none", StringComparison.OrdinalIgnoreCase)) continue;
            var parts = item.Split('=', 2, StringSplitOptions.TrimEntries);
            string name = parts[0].ToLowerInvariant();
            if (name == "flip" && parts.Length == 1)
            {
                a = a with { HorizontalFlip = true };
                any = true;
                continue;
            }
            if (parts.Length != 2 || !float.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out float value) || !(value >= 0) || float.IsInfinity(value))
                throw new FormatException($"--augment: '{item}' is not NAME=VALUE with a value of 0 or more ({Help}).");
            a = name switch
            {
                "crop" when value == MathF.Floor(value) => a with { CropPadding = (int)value },
                "rotate" => a with { RotationDegrees = value },
                "scale" when value < 1 => a with { Scale = value },
                "brightness" => a with { Brightness = value },
                "contrast" when value <= 1 => a with { Contrast = value },
                "lighting" => a with { PcaLighting = value },
                "noise" => a with { NoiseStd = value },
                _ => throw new FormatException($"--augment: '{item}' is unknown or out of range ({Help})."),
            };
            any = true;
        }
        return any ? a : null;
    }
}
