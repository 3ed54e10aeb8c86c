namespace MlNetConv.Neighbours;

/// <summary>The k nearest vectors of each of <see cref="Count"/> queries, nearest first, ties in the order of their indices.</summary>
public sealed class NeighbourResults
{
    /// <param name="indices">(count, k) indices of the neighbours in the index</param>
    /// <param name="distances">(count, k) their Euclidean distances</param>
    public NeighbourResults(int count, int k, int[] indices, float[] distances)
    {
        ArgumentNullException.ThrowIfNull(indices);
        ArgumentNullException.ThrowIfNull(distances);
        if (count < 0 || k < 1 || indices.Length != (long)count * k || distances.Length != indices.Length)
            throw new ArgumentException($"Neighbour results of {count} queries with k = {k} need {(long)count * k} indices and distances, got {indices.Length} and {distances.Length}.");
        Count = count;
        K = k;
        Indices = indices;
        Distances = distances;
    }

    public int Count { get; }
    public int K { get; }

    /// <summary>(Count, K) the neighbours' indices in the index, row by row.</summary>
    public int[] Indices { get; }

    /// <summary>(Count, K) the neighbours' Euclidean distances, row by row, ascending in each row.</summary>
    public float[] Distances { get; }

    /// <summary>(K) the neighbours of query <paramref name="query"/>.</summary>
    public ReadOnlySpan<int> IndicesOf(int query) => Indices.AsSpan(Row(query) * K, K);

    /// <summary>(K) the distances of query <paramref name="query"/>'s neighbours.</summary>
    public ReadOnlySpan<float> DistancesOf(int query) => Distances.AsSpan(Row(query) * K, K);

    private int Row(int query) => (uint)query < (uint)Count ? query
        : throw new ArgumentOutOfRangeException(nameof(query), query, $"The results hold queries 0 to {Count - 1}.");
}
