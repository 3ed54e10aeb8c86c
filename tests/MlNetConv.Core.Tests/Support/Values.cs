using MlNetConv.Tensors;

namespace MlNetConv.Tests.Support;

/// <summary>Fills a tensor of the given shape from a seeded stream.</summary>
public delegate float[] ValueGenerator(Shape shape, RandomStream random);

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
        (shape, random) => Generate(shape.Size, () => Snap(low + (high - low) * random.NextDouble()));

    /// <summary>|x| uniform in [min, max] with a random sign: keeps ReLU-like kinks at 0 out of the stencil.</summary>
    public static ValueGenerator AwayFromZero(double min, double max) =>
        (shape, random) => Generate(shape.Size, () =>
        {
            float magnitude = Snap(min + (max - min) * random.NextDouble());
            return random.NextDouble() < 0.5 ? -magnitude : magnitude;
        });

    /// <summary>
    /// Within every feature map of (N, C, spatial...) (the whole tensor for (N, C) or a vector) a random permutation of
    /// (i - (size - 1) / 2) · spacing: values at least <paramref name="spacing"/> apart, so a maximum never changes place
    /// when one element moves by less than spacing / 2, and no larger than the map needs.
    /// </summary>
    public static ValueGenerator Distinct(double spacing) =>
        (shape, random) =>
        {
            int map = shape.Rank >= 3 ? shape.SpatialSize : shape.Size;
            var values = new float[shape.Size];
            for (int start = 0; start < values.Length; start += map)
            {
                var span = values.AsSpan(start, map);
                for (int i = 0; i < map; i++) span[i] = Snap((i - (map - 1) / 2.0) * spacing);
                random.Shuffle(span);
            }
            return values;
        };

    /// <summary>The nearest grid value.</summary>
    public static float Snap(double value) => (float)(Math.Round(value / Grid) * Grid);

    private static float[] Generate(int count, Func<float> next)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = next();
        return values;
    }
}
