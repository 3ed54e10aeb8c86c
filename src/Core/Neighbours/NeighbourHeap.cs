namespace MlNetConv.Neighbours;

/// <summary>
/// The k best (squared distance, index) pairs of one query seen so far, ordered by distance and then by the smaller
/// index: a binary max-heap over spans the caller owns, whose root is the pair any newcomer must beat. Offers in any
/// order leave the same k pairs, so the result does not depend on how the vectors were visited.
/// </summary>
internal ref struct NeighbourHeap
{
    private readonly Span<float> _distances;
    private readonly Span<int> _indices;
    private ref int _count;

    /// <param name="distances">(k) squared distances, heap-ordered</param>
    /// <param name="indices">(k) the vectors they belong to</param>
    /// <param name="count">how many of the k are filled, kept by the caller between scans</param>
    public NeighbourHeap(Span<float> distances, Span<int> indices, ref int count)
    {
        _distances = distances;
        _indices = indices;
        _count = ref count;
    }

    /// <summary>The squared distance a vector must not exceed to enter: the k-th best's, or infinity while fewer than k are held.</summary>
    public readonly float Threshold => _count < _distances.Length ? float.PositiveInfinity : _distances[0];

    public void Offer(float distance, int index)
    {
        if (_count < _distances.Length)
        {
            int at = _count++;
            while (at > 0)
            {
                int parent = (at - 1) / 2;
                if (!After(distance, index, _distances[parent], _indices[parent])) break;
                _distances[at] = _distances[parent];
                _indices[at] = _indices[parent];
                at = parent;
            }
            _distances[at] = distance;
            _indices[at] = index;
        }
        else if (After(_distances[0], _indices[0], distance, index))
        {
            SiftDown(0, _count, distance, index);
        }
    }

    /// <summary>Empties the heap into <paramref name="indices"/> and <paramref name="distances"/>, nearest first, the distances' square roots.</summary>
    /// <param name="indices">(k)</param>
    /// <param name="distances">(k) Euclidean distances</param>
    public void Drain(Span<int> indices, Span<float> distances)
    {
        for (int end = _count - 1; end >= 0; end--)
        {
            float last = _distances[end];
            int lastIndex = _indices[end];
            indices[end] = _indices[0];
            distances[end] = MathF.Sqrt(_distances[0]);
            if (end > 0) SiftDown(0, end, last, lastIndex);
        }
        _count = 0;
    }

    /// <summary>Places (distance, index) at <paramref name="at"/> in the heap of the first <paramref name="count"/> slots, moving larger children up.</summary>
    private readonly void SiftDown(int at, int count, float distance, int index)
    {
        while (true)
        {
            int child = 2 * at + 1;
            if (child >= count) break;
            if (child + 1 < count && After(_distances[child + 1], _indices[child + 1], _distances[child], _indices[child])) child++;
            if (!After(_distances[child], _indices[child], distance, index)) break;
            _distances[at] = _distances[child];
            _indices[at] = _indices[child];
            at = child;
        }
        _distances[at] = distance;
        _indices[at] = index;
    }

    /// <summary>Whether (a, i) comes after (b, j): farther, or as far with a larger index.</summary>
    private static bool After(float a, int i, float b, int j) => a > b || (a == b && i > j);
}
