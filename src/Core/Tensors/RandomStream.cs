namespace MlNetConv.Tensors;

/// <summary>
/// A small deterministic random generator (SplitMix64). The same seed gives the same stream on every platform and
/// .NET version, and <see cref="Hash"/> gives counter-based draws (value i depends only on (seed, i)), which is
/// what dropout masks and GPU kernels need.
/// </summary>
public sealed class RandomStream
{
    private ulong _state;

    public RandomStream(ulong seed) => _state = seed;

    /// <summary>A stream derived from a seed and a label (a parameter name, an epoch): independent of creation order.</summary>
    public RandomStream(ulong seed, string label) => _state = Mix(seed ^ StableHash(label));

    public ulong NextUInt64()
    {
        _state += 0x9E3779B97F4A7C15UL;
        return Mix(_state);
    }

    /// <summary>Uniform in [0, 1).</summary>
    public float NextFloat() => (NextUInt64() >> 40) * (1f / (1 << 24));

    /// <summary>Uniform in [0, 1) with 53 bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, maxExclusive).</summary>
    public int NextInt(int maxExclusive)
    {
        if (maxExclusive <= 0) throw new ArgumentOutOfRangeException(nameof(maxExclusive));
        return (int)((NextUInt64() >> 33) % (ulong)maxExclusive);
    }

    /// <summary>Standard normal (Box–Muller).</summary>
    public double NextGaussian()
    {
        double u1 = 1.0 - NextDouble(), u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>Fisher–Yates shuffle.</summary>
    public void Shuffle<T>(Span<T> items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary>A uniform [0, 1) value that depends only on (seed, index).</summary>
    public static float Hash(ulong seed, ulong index) => (Mix(seed ^ Mix(index + 0x9E3779B97F4A7C15UL)) >> 40) * (1f / (1 << 24));

    /// <summary>Combines a seed with further values into a new seed.</summary>
    public static ulong Combine(ulong seed, params ReadOnlySpan<ulong> values)
    {
        ulong h = Mix(seed);
        foreach (ulong v in values) h = Mix(h ^ (v + 0x9E3779B97F4A7C15UL));
        return h;
    }

    /// <summary>FNV-1a over UTF-16 code units: stable across processes, unlike string.GetHashCode.</summary>
    public static ulong StableHash(string text)
    {
        ulong h = 14695981039346656037UL;
        foreach (char c in text)
        {
            h ^= c;
            h *= 1099511628211UL;
        }
        return h;
    }

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
