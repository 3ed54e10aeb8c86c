using System.Globalization;

namespace MlNetConv.Plots;

/// <summary>An axis's extent and ticks: a linear axis from <see cref="Low"/> to <see cref="High"/> or a logarithmic one.</summary>
internal sealed record Ticks(double Low, double High, double[] Values, string[] Labels, bool Log)
{
    /// <summary>Where <paramref name="value"/> lies between Low (0) and High (1), logarithmically on a log axis.</summary>
    public double Fraction(double value) => Log
        ? (Math.Log10(value) - Math.Log10(Low)) / (Math.Log10(High) - Math.Log10(Low))
        : (value - Low) / (High - Low);
}

/// <summary>
/// "Nice" ticks: steps of 1, 2 or 5 times a power of ten, about as many as asked, the axis widened to whole steps; on a
/// logarithmic axis the powers of ten (and 2 and 5 times them when the data span fewer than three decades).
/// </summary>
internal static class NiceTicks
{
    /// <param name="integers">the values are whole numbers (epochs): no step below 1</param>
    public static Ticks Linear(double min, double max, int target = 6, bool integers = false)
    {
        if (!double.IsFinite(min) || !double.IsFinite(max) || min > max) throw new ArgumentException($"An axis needs finite bounds in order, got {min} and {max}.");
        if (min == max)
        {
            double pad = min == 0 ? 1 : Math.Abs(min) * 0.1;
            (min, max) = (min - pad, max + pad);
        }
        double step = Step((max - min) / Math.Max(1, target - 1));
        if (integers) step = Math.Max(1, step);
        double low = Math.Floor(min / step + 1e-9) * step, high = Math.Ceiling(max / step - 1e-9) * step;
        int count = (int)Math.Round((high - low) / step) + 1;
        int decimals = Math.Max(0, -(int)Math.Floor(Math.Log10(step) + 1e-9));
        var values = Enumerable.Range(0, count).Select(i => Math.Round(low + i * step, decimals + 2)).ToArray();
        return new Ticks(low, high, values, [.. values.Select(v => Format(v, decimals))], Log: false);
    }

    /// <summary>
    /// An axis from exactly <paramref name="min"/> to <paramref name="max"/> with nice ticks inside it (colour bars, whose
    /// ends are the data's, so that the colours use the whole map).
    /// </summary>
    public static Ticks Inside(double min, double max, int target = 5)
    {
        if (!double.IsFinite(min) || !double.IsFinite(max) || min > max) throw new ArgumentException($"An axis needs finite bounds in order, got {min} and {max}.");
        if (min == max) return Linear(min, max, target);
        // The step of about target ticks, made finer (1, 0.5, 0.2, 0.1, ...) until at least three fall inside.
        double step = Step((max - min) / Math.Max(1, target - 1));
        double[] values;
        while ((values = Multiples(min, max, step)).Length < 3) step = Finer(step);
        int decimals = Math.Max(0, -(int)Math.Floor(Math.Log10(step) + 1e-9));
        return new Ticks(min, max, values, [.. values.Select(v => Format(v, decimals))], Log: false);
    }

    private static double[] Multiples(double min, double max, double step)
    {
        double first = Math.Ceiling(min / step - 1e-9), last = Math.Floor(max / step + 1e-9);
        return [.. Enumerable.Range(0, (int)(last - first) + 1).Select(i => (first + i) * step)];
    }

    /// <summary>The next smaller step of 1, 2 or 5 times a power of ten.</summary>
    private static double Finer(double step)
    {
        double power = Math.Pow(10, Math.Floor(Math.Log10(step) + 1e-9)), mantissa = Math.Round(step / power);
        return mantissa switch { 5 => 2 * power, 2 => power, _ => 0.5 * power };
    }

    /// <exception cref="ArgumentException">a bound is not positive</exception>
    public static Ticks Logarithmic(double min, double max)
    {
        if (!(min > 0) || !double.IsFinite(max) || min > max) throw new ArgumentException($"A logarithmic axis needs positive finite bounds in order, got {min} and {max}.");
        int first = (int)Math.Floor(Math.Log10(min) + 1e-9), last = (int)Math.Ceiling(Math.Log10(max) - 1e-9);
        if (last == first) last++;
        var values = new List<double>();
        for (int e = first; e <= last; e++)
            foreach (int m in last - first < 3 ? new[] { 1, 2, 5 } : [1])
                if (e < last || m == 1) values.Add(m * Math.Pow(10, e));
        return new Ticks(Math.Pow(10, first), Math.Pow(10, last), [.. values], [.. values.Select(FormatLog)], Log: true);
    }

    /// <summary>1, 2 or 5 times a power of ten, the smallest at least <paramref name="rough"/>.</summary>
    public static double Step(double rough)
    {
        double power = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        foreach (double m in new[] { 1.0, 2.0, 5.0, 10.0 })
            if (m * power >= rough * (1 - 1e-9)) return m * power;
        return 10 * power;
    }

    public static string Format(double value, int decimals) =>
        (value == 0 ? 0 : value).ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    /// <summary>Plain from 0.001 to 10000, else as 1e-5.</summary>
    public static string FormatLog(double value) => value is >= 1e-3 and < 1e5
        ? value.ToString("0.######", CultureInfo.InvariantCulture)
        : value.ToString("0.##e0", CultureInfo.InvariantCulture);
}
