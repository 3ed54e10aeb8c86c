using System.Collections;

namespace MlNetConv.Tensors;

/// <summary>
/// An immutable tensor shape of rank 1..5 in row-major order. Activations use (N, C), (N, C, L), (N, C, H, W)
/// or (N, C, D, H, W) — the planar layout of ML.NET's ExtractPixels and of ONNX. Rank 1 is for biases and
/// per-channel statistics.
/// </summary>
public readonly struct Shape : IEquatable<Shape>, IReadOnlyList<int>
{
    public const int MaxRank = 5;
    private readonly int[]? _dims;

    public Shape(params int[] dimensions)
    {
        ArgumentNullException.ThrowIfNull(dimensions);
        if (dimensions.Length is < 1 or > MaxRank)
            throw new ArgumentException($"A shape has rank 1..{MaxRank}, got rank {dimensions.Length}.", nameof(dimensions));
        long size = 1;
        foreach (int d in dimensions)
        {
            if (d < 0) throw new ArgumentException($"Shape dimensions must be >= 0, got ({string.Join(", ", dimensions)}).", nameof(dimensions));
            size *= d;
            if (size > int.MaxValue) throw new ArgumentException($"Shape ({string.Join(", ", dimensions)}) has more than {int.MaxValue} elements.", nameof(dimensions));
        }
        _dims = (int[])dimensions.Clone();
    }

    public int Rank => _dims?.Length ?? 0;
    public int this[int axis] => Dims[axis < 0 ? axis + Rank : axis];
    public int Count => Rank;

    /// <summary>Number of elements.</summary>
    public int Size
    {
        get
        {
            int s = 1;
            foreach (int d in Dims) s *= d;
            return s;
        }
    }

    /// <summary>Batch size: the first dimension.</summary>
    public int N => this[0];

    /// <summary>Channels: the second dimension of an activation shape.</summary>
    public int C => this[1];

    /// <summary>Number of spatial dimensions of an activation shape (0 for (N, C), 1..3 otherwise).</summary>
    public int SpatialRank => Rank - 2;

    /// <summary>Product of the spatial dimensions (1 for (N, C)).</summary>
    public int SpatialSize
    {
        get
        {
            int s = 1;
            for (int i = 2; i < Rank; i++) s *= Dims[i];
            return s;
        }
    }

    /// <summary>Elements per sample: C times the spatial size.</summary>
    public int SampleSize => Size / Math.Max(1, N);

    /// <summary>The spatial dimensions padded in front with ones to (D, H, W).</summary>
    public (int D, int H, int W) Spatial3d
    {
        get
        {
            int d = 1, h = 1, w = 1;
            if (Rank >= 3) w = Dims[Rank - 1];
            if (Rank >= 4) h = Dims[Rank - 2];
            if (Rank >= 5) d = Dims[Rank - 3];
            return (d, h, w);
        }
    }

    public int[] ToArray() => (int[])Dims.Clone();

    /// <summary>The same shape with the batch dimension replaced.</summary>
    public Shape WithBatch(int n)
    {
        int[] d = ToArray();
        d[0] = n;
        return new Shape(d);
    }

    /// <summary>The same shape with the channel dimension replaced.</summary>
    public Shape WithChannels(int c)
    {
        int[] d = ToArray();
        d[1] = c;
        return new Shape(d);
    }

    private int[] Dims => _dims ?? [];

    public bool Equals(Shape other) => Dims.AsSpan().SequenceEqual(other.Dims);
    public override bool Equals(object? obj) => obj is Shape s && Equals(s);
    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (int d in Dims) h.Add(d);
        return h.ToHashCode();
    }

    public static bool operator ==(Shape a, Shape b) => a.Equals(b);
    public static bool operator !=(Shape a, Shape b) => !a.Equals(b);
    public override string ToString() => "(" + string.Join(", ", Dims) + ")";
    public IEnumerator<int> GetEnumerator() => ((IEnumerable<int>)Dims).GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
