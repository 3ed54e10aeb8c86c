using System.Globalization;
using MlNetConv.Backends;
using MlNetConv.Tensors;

namespace MlNetConv.Tests.Backends;

/// <summary>Comparisons of fast kernels with their reference twins: float32 sums in another order differ by rounding only.</summary>
public static class KernelParity
{
    /// <summary>
    /// Asserts |actual - expected| ≤ tolerance · magnitude (+ a tiny absolute floor) element by element, where magnitude
    /// is Σ|terms| of the element's sum: the scale float32 rounding error grows with, whatever the signs.
    /// </summary>
    public static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, ReadOnlySpan<float> magnitude, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs((double)actual[i] - expected[i]);
            double allowed = tolerance * magnitude[i] + 1e-30;
            if (!(error <= allowed))
                Assert.Fail(string.Create(CultureInfo.InvariantCulture,
                    $"{what}: element {i} is {actual[i]:G9}, expected {expected[i]:G9} (error {error:E2}, allowed {allowed:E2}, magnitude {magnitude[i]:E2})."));
        }
    }

    public static float[] Uniform(int count, RandomStream random)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
        return values;
    }

    /// <summary>Asserts the same bits element by element (NaN payloads and signed zeros included).</summary>
    public static void AssertSameBits(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
                Assert.Fail(string.Create(CultureInfo.InvariantCulture, $"{what}: element {i} is {actual[i]:G9}, expected {expected[i]:G9}."));
    }

    /// <summary>A tensor of <paramref name="shape"/> on <paramref name="backend"/> holding <paramref name="values"/>.</summary>
    public static Tensor Upload(IBackend backend, Shape shape, float[] values)
    {
        var t = backend.Allocate(shape);
        t.CopyFrom(values);
        return t;
    }

    public static float[] Abs(float[] values) => values.Select(Math.Abs).ToArray();

    /// <summary>An integer in [low, high].</summary>
    public static int Between(this RandomStream random, int low, int high) => low + random.NextInt(high - low + 1);

    /// <summary>One of the values.</summary>
    public static T Pick<T>(this RandomStream random, params T[] values) => values[random.NextInt(values.Length)];
}
