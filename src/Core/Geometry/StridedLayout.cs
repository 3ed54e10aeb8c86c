using MlNetConv.Tensors;

namespace MlNetConv.Geometry;

/// <summary>
/// A walk over up to five axes in row-major order and where each step lands in a source buffer: element i, at coordinates
/// (i0, …, i4) of the sizes, reads source[Offset + Σ i_k · stride_k] (PyTorch's <c>as_strided(size, stride,
/// storage_offset)</c>). A stride of 0 repeats the source along that axis (numpy broadcasting); the source's strides in
/// another order transpose it. Fewer axes pad in front with sizes of one. The one home of the index arithmetic that
/// broadcasting, permutation and reduction kernels share on every backend.
/// </summary>
public readonly record struct StridedLayout
{
    private readonly int _size0, _size1, _size2, _size3, _size4;
    private readonly int _stride0, _stride1, _stride2, _stride3, _stride4;

    /// <param name="size">1..5 sizes, the last one varying fastest</param>
    /// <param name="stride">one non-negative stride per size</param>
    public StridedLayout(ReadOnlySpan<int> size, ReadOnlySpan<int> stride, int offset = 0)
    {
        if (size.Length is < 1 or > Shape.MaxRank || stride.Length != size.Length)
            throw new ArgumentException($"A strided layout takes 1..{Shape.MaxRank} sizes and as many strides, got {size.Length} and {stride.Length}.");
        Span<int> s = [1, 1, 1, 1, 1], t = [0, 0, 0, 0, 0];
        int pad = Shape.MaxRank - size.Length;
        for (int k = 0; k < size.Length; k++)
        {
            if (size[k] < 0 || stride[k] < 0) throw new ArgumentException($"A strided layout needs sizes and strides >= 0, got size {size[k]} and stride {stride[k]}.");
            (s[pad + k], t[pad + k]) = (size[k], stride[k]);
        }
        if (offset < 0) throw new ArgumentException($"A strided layout's offset must be >= 0, got {offset}.");
        (_size0, _size1, _size2, _size3, _size4) = (s[0], s[1], s[2], s[3], s[4]);
        (_stride0, _stride1, _stride2, _stride3, _stride4) = (t[0], t[1], t[2], t[3], t[4]);
        Offset = offset;
    }

    public int Offset { get; }

    /// <summary>Elements walked.</summary>
    public int Count => _size0 * _size1 * _size2 * _size3 * _size4;

    /// <summary>The size of the last axis: a row, the unit the fast kernels copy or combine at once.</summary>
    public int RowLength => _size4;

    /// <summary>The source stride of the last axis (1: a row is contiguous in the source, 0: one value repeated).</summary>
    public int RowStride => _stride4;

    /// <summary>One past the last source element read (0 when nothing is walked): the source must hold at least this many.</summary>
    public long Extent => Count == 0 ? 0 : 1L + Offset + (long)(_size0 - 1) * _stride0 + (long)(_size1 - 1) * _stride1
        + (long)(_size2 - 1) * _stride2 + (long)(_size3 - 1) * _stride3 + (long)(_size4 - 1) * _stride4;

    /// <summary>Where element <paramref name="i"/> of the walk reads in the source.</summary>
    public int SourceOf(int i)
    {
        int at = Offset, q = i / _size4;
        at += (i - q * _size4) * _stride4;
        i = q / _size3;
        at += (q - i * _size3) * _stride3;
        q = i / _size2;
        at += (i - q * _size2) * _stride2;
        i = q / _size1;
        at += (q - i * _size1) * _stride1;
        return at + i * _stride0;
    }

    /// <summary>
    /// The one check of a strided copy's arguments, made on entry by every backend: the walk covers the destination and
    /// stays inside the source.
    /// </summary>
    /// <exception cref="ArgumentException">it does not</exception>
    public void Check(string operation, Shape source, Shape destination)
    {
        if (Count != destination.Size || Extent > source.Size)
            throw new ArgumentException($"{operation}: a walk of {Count} elements reading up to element {Extent - 1} does not fit source {source} and destination {destination}.");
    }

    /// <summary>
    /// <paramref name="source"/> read as <paramref name="output"/> under numpy broadcasting: one rank, each dimension equal to
    /// the output's or 1 (stride 0: repeated).
    /// </summary>
    /// <exception cref="ArgumentException">the source does not broadcast to the output</exception>
    public static StridedLayout Broadcast(Shape source, Shape output)
    {
        if (!Broadcasting.Broadcasts(source, output))
            throw new ArgumentException($"Broadcast: {source} does not broadcast to {output}: both need one rank and every dimension equal to the output's or 1.");
        Span<int> size = stackalloc int[output.Rank], stride = stackalloc int[output.Rank];
        Strides(source, stride);
        for (int k = 0; k < output.Rank; k++) (size[k], stride[k]) = (output[k], source[k] == output[k] ? stride[k] : 0);
        return new StridedLayout(size, stride);
    }

    /// <summary>
    /// The tensor of <paramref name="source"/> with its axes in the order <paramref name="dims"/> (output axis k is source
    /// axis dims[k]), walked in the output's row-major order.
    /// </summary>
    /// <exception cref="ArgumentException">dims is not a permutation of the source's axes</exception>
    public static StridedLayout Permute(Shape source, ReadOnlySpan<int> dims)
    {
        CheckPermutation(dims, source.Rank, "Permute");
        Span<int> strides = stackalloc int[source.Rank], size = stackalloc int[dims.Length], stride = stackalloc int[dims.Length];
        Strides(source, strides);
        for (int k = 0; k < dims.Length; k++) (size[k], stride[k]) = (source[dims[k]], strides[dims[k]]);
        return new StridedLayout(size, stride);
    }

    /// <summary>The shape of <paramref name="source"/> permuted by <paramref name="dims"/>.</summary>
    public static Shape Permuted(Shape source, ReadOnlySpan<int> dims)
    {
        CheckPermutation(dims, source.Rank, "Permute");
        var size = new int[dims.Length];
        for (int k = 0; k < dims.Length; k++) size[k] = source[dims[k]];
        return new Shape(size);
    }

    /// <summary>
    /// The reduction of <paramref name="source"/> to <paramref name="destination"/> (PyTorch's <c>sum_to_size</c>): for each
    /// destination element, Kept gives where its block starts in the source and Reduced walks the block (the axes where
    /// the destination has size 1 and the source more).
    /// </summary>
    /// <exception cref="ArgumentException">the destination does not broadcast to the source</exception>
    public static (StridedLayout Kept, StridedLayout Reduced) SumTo(Shape source, Shape destination)
    {
        if (!Broadcasting.Broadcasts(destination, source))
            throw new ArgumentException($"SumTo: {source} cannot be summed to {destination}: both need one rank and every dimension of the destination equal to the source's or 1.");
        int rank = source.Rank;
        Span<int> strides = stackalloc int[rank], kept = stackalloc int[rank], reduced = stackalloc int[rank];
        Strides(source, strides);
        for (int k = 0; k < rank; k++) (kept[k], reduced[k]) = (destination[k], destination[k] == source[k] ? 1 : source[k]);
        return (new StridedLayout(kept, strides), new StridedLayout(reduced, strides));
    }

    /// <summary>The row-major strides of a contiguous tensor of <paramref name="shape"/>.</summary>
    private static void Strides(Shape shape, Span<int> strides)
    {
        for (int k = shape.Rank - 1, stride = 1; k >= 0; stride *= shape[k], k--) strides[k] = stride;
    }

    private static void CheckPermutation(ReadOnlySpan<int> dims, int rank, string what)
    {
        bool ok = dims.Length == rank;
        Span<bool> seen = stackalloc bool[Shape.MaxRank];
        for (int k = 0; ok && k < dims.Length; k++)
        {
            ok = dims[k] >= 0 && dims[k] < rank && !seen[dims[k]];
            if (ok) seen[dims[k]] = true;
        }
        if (!ok) throw new ArgumentException($"{what}: ({string.Join(", ", dims.ToArray())}) is not a permutation of {rank} axes.");
    }
}
