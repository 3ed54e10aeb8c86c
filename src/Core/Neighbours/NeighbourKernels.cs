using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace MlNetConv.Neighbours;

/// <summary>One query as a scan needs it: its values and its centred norm, and the vector it must skip.</summary>
/// <param name="values">(d) the query as given</param>
/// <param name="centredNorm">‖q − μ‖</param>
/// <param name="centredNormSquared">‖q − μ‖², the term the matrix product leaves out</param>
/// <param name="excluded">the index of the vector not to return (its own, leaving one out), or -1</param>
internal readonly ref struct ScanQuery(ReadOnlySpan<float> values, float centredNorm, float centredNormSquared, int excluded)
{
    public ReadOnlySpan<float> Values { get; } = values;
    public float CentredNorm { get; } = centredNorm;
    public float CentredNormSquared { get; } = centredNormSquared;
    public int Excluded { get; } = excluded;
}

/// <summary>
/// The host kernels of the neighbour search, at each <see cref="NeighbourIsa"/>: the direct squared distance, and the
/// scan of one query's row of expanded distances that sends to it only the vectors that can still be among the k
/// nearest. Each width sums in one fixed order, so a search repeats bit for bit.
/// </summary>
internal static class NeighbourKernels
{
    /// <summary>Σ (aᵢ − bᵢ)² in float.</summary>
    /// <param name="a">(d)</param>
    /// <param name="b">(d)</param>
    public static float SquaredDistance(ReadOnlySpan<float> a, ReadOnlySpan<float> b, NeighbourIsa isa)
    {
        System.Diagnostics.Debug.Assert(a.Length == b.Length);
        ref float x = ref MemoryMarshal.GetReference(a);
        ref float y = ref MemoryMarshal.GetReference(b);
        int n = a.Length, i = 0;
        float sum = 0;
        if (isa == NeighbourIsa.Vector512 && n >= Vector512<float>.Count)
        {
            // Four accumulators hide the FMA latency; they are added in one order at the end.
            Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
            int w = Vector512<float>.Count;
            for (; i <= n - 4 * w; i += 4 * w)
            {
                s0 = Squared512(ref x, ref y, i, s0);
                s1 = Squared512(ref x, ref y, i + w, s1);
                s2 = Squared512(ref x, ref y, i + 2 * w, s2);
                s3 = Squared512(ref x, ref y, i + 3 * w, s3);
            }
            for (; i <= n - w; i += w) s0 = Squared512(ref x, ref y, i, s0);
            sum = Vector512.Sum(s0 + s1 + (s2 + s3));
        }
        else if (isa == NeighbourIsa.Vector && n >= Vector<float>.Count)
        {
            Vector<float> s0 = default, s1 = default, s2 = default, s3 = default;
            int w = Vector<float>.Count;
            for (; i <= n - 4 * w; i += 4 * w)
            {
                s0 = Squared(ref x, ref y, i, s0);
                s1 = Squared(ref x, ref y, i + w, s1);
                s2 = Squared(ref x, ref y, i + 2 * w, s2);
                s3 = Squared(ref x, ref y, i + 3 * w, s3);
            }
            for (; i <= n - w; i += w) s0 = Squared(ref x, ref y, i, s0);
            sum = Vector.Sum(s0 + s1 + (s2 + s3));
        }
        for (; i < n; i++)
        {
            float d = Unsafe.Add(ref x, i) - Unsafe.Add(ref y, i);
            sum += d * d;
        }
        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Squared512(ref float x, ref float y, int i, Vector512<float> sum)
    {
        var d = Vector512.LoadUnsafe(ref x, (nuint)i) - Vector512.LoadUnsafe(ref y, (nuint)i);
        return Vector512.FusedMultiplyAdd(d, d, sum);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> Squared(ref float x, ref float y, int i, Vector<float> sum)
    {
        var d = Vector.LoadUnsafe(ref x, (nuint)i) - Vector.LoadUnsafe(ref y, (nuint)i);
        return Vector.FusedMultiplyAdd(d, d, sum);
    }

    /// <summary>
    /// Offers to <paramref name="heap"/> every vector of a chunk whose expanded squared distance, lowered by its error
    /// bound, does not exceed the heap's threshold, with its direct squared distance. Vectors are visited in index
    /// order a vector of lanes at a time; lanes that pass are rare once the heap is full, and the threshold only falls.
    /// </summary>
    /// <param name="scores">(C) ‖x̂ⱼ‖² − 2 q̂·x̂ⱼ for the chunk's vectors, from the matrix product</param>
    /// <param name="norms">(C) ‖x̂ⱼ‖</param>
    /// <param name="first">the index of the chunk's first vector</param>
    /// <param name="vectors">(n, d) every vector of the index as given, for the direct distances</param>
    public static void Scan(ReadOnlySpan<float> scores, ReadOnlySpan<float> norms, int first, scoped in ScanQuery query, ReadOnlySpan<float> vectors,
        ExpansionBound bound, NeighbourIsa isa, ref NeighbourHeap heap)
    {
        System.Diagnostics.Debug.Assert(scores.Length == norms.Length);
        ref float s = ref MemoryMarshal.GetReference(scores);
        ref float m = ref MemoryMarshal.GetReference(norms);
        int count = scores.Length, j = 0;
        if (isa == NeighbourIsa.Vector512)
        {
            var queryNorm = Vector512.Create(query.CentredNorm);
            var queryTerm = Vector512.Create(query.CentredNormSquared);
            var coefficient = Vector512.Create(bound.Coefficient);
            var floor = Vector512.Create(bound.Floor);
            var threshold = Vector512.Create(heap.Threshold);
            for (; j <= count - Vector512<float>.Count; j += Vector512<float>.Count)
            {
                var t = queryNorm + Vector512.LoadUnsafe(ref m, (nuint)j);
                var lower = Vector512.LoadUnsafe(ref s, (nuint)j) + queryTerm - (coefficient * t * t + floor);
                ulong pass = Vector512.LessThanOrEqual(lower, threshold).ExtractMostSignificantBits();
                if (pass == 0) continue;
                for (; pass != 0; pass &= pass - 1) Offer(first + j + BitOperations.TrailingZeroCount(pass), query, vectors, isa, ref heap);
                threshold = Vector512.Create(heap.Threshold);
            }
        }
        else if (isa == NeighbourIsa.Vector)
        {
            var queryNorm = new Vector<float>(query.CentredNorm);
            var queryTerm = new Vector<float>(query.CentredNormSquared);
            var coefficient = new Vector<float>(bound.Coefficient);
            var floor = new Vector<float>(bound.Floor);
            var threshold = new Vector<float>(heap.Threshold);
            for (; j <= count - Vector<float>.Count; j += Vector<float>.Count)
            {
                var t = queryNorm + Vector.LoadUnsafe(ref m, (nuint)j);
                var lower = Vector.LoadUnsafe(ref s, (nuint)j) + queryTerm - (coefficient * t * t + floor);
                var pass = Vector.LessThanOrEqual(lower, threshold);
                if (pass == Vector<int>.Zero) continue;
                for (int lane = 0; lane < Vector<float>.Count; lane++)
                    if (pass[lane] != 0) Offer(first + j + lane, query, vectors, isa, ref heap);
                threshold = new Vector<float>(heap.Threshold);
            }
        }
        for (; j < count; j++)
        {
            float t = query.CentredNorm + Unsafe.Add(ref m, j);
            float lower = Unsafe.Add(ref s, j) + query.CentredNormSquared - (bound.Coefficient * t * t + bound.Floor);
            if (lower <= heap.Threshold) Offer(first + j, query, vectors, isa, ref heap);
        }
    }

    private static void Offer(int index, scoped in ScanQuery query, ReadOnlySpan<float> vectors, NeighbourIsa isa, ref NeighbourHeap heap)
    {
        if (index == query.Excluded) return;
        int d = query.Values.Length;
        heap.Offer(SquaredDistance(query.Values, vectors.Slice(index * d, d), isa), index);
    }
}
