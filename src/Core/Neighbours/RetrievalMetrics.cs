namespace MlNetConv.Neighbours;

/// <summary>How well nearest neighbours retrieve a query's class.</summary>
public static class RetrievalMetrics
{
    /// <summary>
    /// Precision at k: per query the fraction of its k neighbours that carry the query's label, averaged over the
    /// queries. 1 when every neighbour shares its query's class; about 1/classes for neighbours drawn at random.
    /// </summary>
    /// <param name="queryLabels">(count) each query's label</param>
    /// <param name="neighbourLabels">(count, k) the labels of each query's neighbours, row by row</param>
    public static double PrecisionAtK(ReadOnlySpan<int> queryLabels, ReadOnlySpan<int> neighbourLabels, int k)
    {
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), k, "Precision at k needs k of at least 1.");
        if (queryLabels.IsEmpty) throw new ArgumentException("Precision at k needs at least one query.", nameof(queryLabels));
        if (neighbourLabels.Length != (long)queryLabels.Length * k)
            throw new ArgumentException($"{queryLabels.Length} queries with k = {k} need {(long)queryLabels.Length * k} neighbour labels, got {neighbourLabels.Length}.", nameof(neighbourLabels));
        long hits = 0;
        for (int q = 0; q < queryLabels.Length; q++)
            foreach (int label in neighbourLabels.Slice(q * k, k))
                if (label == queryLabels[q]) hits++;
        return (double)hits / neighbourLabels.Length;
    }
}
