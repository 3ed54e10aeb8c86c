namespace MlNetConv.Bench;

/// <summary>Seeded benchmark inputs.</summary>
internal static class RandomValues
{
    /// <summary><paramref name="count"/> values uniform in [-1, 1).</summary>
    public static float[] Uniform(int count, int seed)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
        return values;
    }
}
