using System.Globalization;
using System.Text;

namespace MlNetConv.Conformance;

/// <summary>A subject backend's result differs from the reference backend's.</summary>
public sealed class ParityException(string message) : Exception(message);

/// <summary>
/// Element-wise comparison with a tolerance, never bit equality: |expected - actual| ≤ Absolute + Relative · max(|expected|, |actual|).
/// Kernels on different devices sum in different orders (and GEMMs block K differently), so float32 results agree to a
/// few ulps per accumulated term; the defaults allow that for the tiny shapes of the suite.
/// </summary>
public readonly record struct Tolerance(double Relative = 2e-4, double Absolute = 2e-5)
{
    public static Tolerance Default => new(2e-4, 2e-5);

    /// <summary>Results that must match exactly (indices, masks, copies).</summary>
    public static Tolerance Exact => new(0, 0);
}

public static class Parity
{
    /// <summary>Throws a <see cref="ParityException"/> naming the worst elements when any element is out of tolerance (NaN matches only NaN).</summary>
    public static void AssertClose(string what, ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, Tolerance tolerance)
    {
        if (expected.Length != actual.Length)
            throw new ParityException($"{what}: {expected.Length} reference values but {actual.Length} from the subject.");
        var bad = new List<(int Index, double Excess)>();
        for (int i = 0; i < expected.Length; i++)
        {
            float e = expected[i], a = actual[i];
            if (float.IsNaN(e) || float.IsNaN(a))
            {
                if (!(float.IsNaN(e) && float.IsNaN(a))) bad.Add((i, double.PositiveInfinity));
                continue;
            }
            if (e == a) continue;
            double diff = Math.Abs((double)e - a), allowed = tolerance.Absolute + tolerance.Relative * Math.Max(Math.Abs(e), Math.Abs(a));
            if (!(diff <= allowed)) bad.Add((i, diff - allowed));
        }
        if (bad.Count == 0) return;
        var message = new StringBuilder(string.Create(CultureInfo.InvariantCulture,
            $"{what}: {bad.Count} of {expected.Length} values out of tolerance (relative {tolerance.Relative:G2}, absolute {tolerance.Absolute:G2}):"));
        foreach (var (index, _) in bad.OrderByDescending(b => b.Excess).Take(8))
            message.Append(string.Create(CultureInfo.InvariantCulture, $" [{index}] reference {expected[index]:G9} subject {actual[index]:G9};"));
        throw new ParityException(message.ToString());
    }

    public static void AssertEqual(string what, ReadOnlySpan<int> expected, ReadOnlySpan<int> actual)
    {
        if (expected.Length != actual.Length)
            throw new ParityException($"{what}: {expected.Length} reference values but {actual.Length} from the subject.");
        for (int i = 0; i < expected.Length; i++)
            if (expected[i] != actual[i])
                throw new ParityException($"{what}: element {i} is {actual[i]} on the subject, {expected[i]} on the reference.");
    }
}
