namespace MlNetConv.Neighbours;

/// <summary>
/// The plain twin of <see cref="NearestNeighbourIndex"/>, the oracle its tests compare against: every squared distance
/// summed in double, the vectors sorted by (distance, index), the first k kept. O(n·d) time and n doubles per query; no
/// blocks, products, bounds or vector lanes. Where the float sums of the index cannot round (small integers), the two
/// agree exactly, ties included.
/// </summary>
public static class NearestNeighbourReference
{
    /// <param name="vectors">(n, d) row by row</param>
    /// <param name="queries">(count, d)</param>
    /// <param name="excluded">(count) per query an index not to return, or -1; or empty</param>
    public static NeighbourResults Search(ReadOnlySpan<float> vectors, int dimension, ReadOnlySpan<float> queries, int k, ReadOnlySpan<int> excluded = default)
    {
        if (dimension < 1 || vectors.Length % dimension != 0 || queries.Length % dimension != 0)
            throw new ArgumentException($"Vectors of {vectors.Length} and queries of {queries.Length} values are not whole rows of dimension {dimension}.");
        int n = vectors.Length / dimension, count = queries.Length / dimension;
        if (!excluded.IsEmpty && excluded.Length != count) throw new ArgumentException($"{excluded.Length} excluded indices for {count} queries.", nameof(excluded));
        var indices = new int[count * k];
        var distances = new float[count * k];
        var squared = new double[n];
        var order = new int[n];
        for (int q = 0; q < count; q++)
        {
            var query = queries.Slice(q * dimension, dimension);
            for (int i = 0; i < n; i++)
            {
                var x = vectors.Slice(i * dimension, dimension);
                double sum = 0;
                for (int j = 0; j < dimension; j++)
                {
                    double difference = (double)query[j] - x[j];
                    sum += difference * difference;
                }
                squared[i] = sum;
                order[i] = i;
            }
            Array.Sort(order, (a, b) => squared[a] != squared[b] ? squared[a].CompareTo(squared[b]) : a.CompareTo(b));
            int skip = excluded.IsEmpty ? -1 : excluded[q], taken = 0;
            foreach (int i in order)
            {
                if (taken == k) break;
                if (i == skip) continue;
                indices[q * k + taken] = i;
                distances[q * k + taken] = (float)Math.Sqrt(squared[i]);
                taken++;
            }
            if (taken < k) throw new ArgumentOutOfRangeException(nameof(k), k, $"Query {q} has only {taken} vectors to return.");
        }
        return new NeighbourResults(count, k, indices, distances);
    }
}
