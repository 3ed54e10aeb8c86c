using System.Numerics;

namespace MlNetConv.Neocognitron;

/// <summary>Checks and unit-length copies of the feature vectors the top-layer classifiers compare by cosine.</summary>
internal static class FeatureVectors
{
    /// <param name="features">(count, dimension)</param>
    public static int Count(float[] features, int dimension, int[] labels, int classes, string classifier)
    {
        if (dimension <= 0) throw new ArgumentException($"{classifier}: the dimension must be positive, got {dimension}.");
        if (features.Length % dimension != 0 || features.Length / dimension != labels.Length)
            throw new ArgumentException($"{classifier}: {features.Length} feature values are not {labels.Length} vectors of {dimension}.");
        int bad = Array.FindIndex(labels, l => l < 0 || l >= classes);
        if (bad >= 0) throw new ArgumentException($"{classifier}: label {labels[bad]} of vector {bad} is outside [0, {classes}).");
        return labels.Length;
    }

    /// <summary>x / |x|, or zeros for a zero vector (a stimulus no top cell responds to).</summary>
    public static float[] Unit(ReadOnlySpan<float> x)
    {
        var unit = x.ToArray();
        float norm = MathF.Sqrt(Dot(unit, unit));
        if (norm > 0f)
            for (int i = 0; i < unit.Length; i++) unit[i] /= norm;
        return unit;
    }

    /// <summary>Σ a·b in a fixed order (SIMD lanes, then the lanes summed, then the tail): the same on every run.</summary>
    public static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var sum = Vector<float>.Zero;
        int i = 0;
        for (; i <= a.Length - Vector<float>.Count; i += Vector<float>.Count)
            sum += new Vector<float>(a[i..]) * new Vector<float>(b[i..]);
        float total = Vector.Sum(sum);
        for (; i < a.Length; i++) total += a[i] * b[i];
        return total;
    }
}
