using MlNetConv.Tensors;

namespace MlNetConv.Tests.Support;

/// <summary>Fills a tensor of <paramref name="count"/> elements from a seeded stream.</summary>
public delegate float[] ValueGenerator(int count, RandomStream random);

/// <summary>
/// Test data for gradient checks. Every value lies on the dyadic grid <see cref="Grid"/>, so x ± h and x ± 2h are exact
/// in float32 when the step h is a power of two no smaller than the grid: the stencil sees exactly the steps it assumes.
/// </summary>
public static class Values
{
    /// <summary>2^-12: all generated values are multiples of it.</summary>
    public const double Grid = 1.0 / 4096;

    /// <summary>Uniform in [low, high].</summary>
    public static ValueGenerator Uniform(double low = -1, double high = 1) =>
        (count, random) => Generate(count, () => Snap(low + (high - low) * random.NextDouble()));

    /// <summary>|x| uniform in [min, max] with a random sign: keeps ReLU-like kinks at 0 out of the stencil.</summary>
    public static ValueGenerator AwayFromZero(double min, double max) =>
        (count, random) => Generate(count, () =>
        {
            float magnitude = Snap(Math.Max(min, min + (max - min) * random.NextDouble()));
            return random.NextDouble() < 0.5 ? -magnitude : magnitude;
        });

    /// <summary>
    /// A random permutation of (i - (count - 1) / 2) · spacing: all values distinct and at least <paramref name="spacing"/>
    /// apart, so a maximum never changes place when one element moves by less than spacing / 2.
    /// </summary>
    public static ValueGenerator Distinct(double spacing) =>
        (count, random) =>
        {
            var values = new float[count];
            for (int i = 0; i < count; i++) values[i] = Snap((i - (count - 1) / 2) * spacing);
            random.Shuffle(values.AsSpan());
            return values;
        };

    /// <summary>The same value everywhere.</summary>
    public static ValueGenerator Constant(float value) => (count, _) => Enumerable.Repeat(value, count).ToArray();

    /// <summary>The nearest grid value.</summary>
    public static float Snap(double value) => (float)(Math.Round(value / Grid) * Grid);

    private static float[] Generate(int count, Func<float> next)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = next();
        return values;
    }
}
