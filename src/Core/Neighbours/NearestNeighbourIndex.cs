using System.Globalization;
using MlNetConv.Backends;
using MlNetConv.Backends.Cpu;
using MlNetConv.Backends.Cpu.Kernels;
using MlNetConv.Tensors;

namespace MlNetConv.Neighbours;

/// <summary>
/// Exact k-nearest-neighbour search in Euclidean distance over n vectors of dimension d (feature vectors of a network's
/// last hidden layer, say), each with an optional integer label. Queries are searched in blocks: the backend's matrix
/// product gives every expanded squared distance ‖q̂‖² + ‖x̂‖² − 2 q̂·x̂ of a block of queries to a chunk of the vectors
/// (both centred on the vectors' mean, which changes no distance and keeps the expansion's cancellation small), a vector
/// scan keeps per query only the vectors that can still be among the k nearest given the expansion's rounding
/// (<see cref="ExpansionBound"/>), and those get their distance computed directly, Σ (qᵢ − xᵢ)² in float. The result is
/// the k nearest by that direct distance, ties going to the smaller index: the same on every backend, and repeated bit
/// for bit. Memory stays bounded: one block of <see cref="NearestNeighbourOptions.DistanceBlockFloats"/> distances at a
/// time, never a queries × vectors matrix.
/// <code>
/// using var index = new NearestNeighbourIndex(backend, trainFeatures, dimension: 512, trainLabels);
/// var nearest = index.Search(testFeatures, k: 6);          // nearest.IndicesOf(q), nearest.DistancesOf(q)
/// var loo = index.SearchLeaveOneOut(k: 6);                  // each training vector against the others
/// double p = RetrievalMetrics.PrecisionAtK(trainLabels, index.LabelsOf(loo.Indices), 6);
/// </code>
/// Not an approximate index (no trees, graphs or quantisation): every vector is looked at by every query. Searches are
/// serialised: threads may share an index.
/// </summary>
public sealed class NearestNeighbourIndex : IDisposable
{
    /// <summary>The largest squared norm a vector may have: squared distances of such vectors stay far below float's range.</summary>
    public const double MaxSquaredNorm = 1e30;

    private readonly NearestNeighbourOptions _options;
    private readonly float[] _vectors;
    private readonly float[] _mean;
    private readonly float[] _norms;
    private readonly int[]? _labels;
    private readonly Chunk[] _chunks;
    private readonly ExpansionBound _bound;
    private readonly int _blockQueries;
    private readonly Lock _gate = new();
    private Tensor? _queryBlock, _distanceBlock;
    private float[] _centred = [], _scores = [], _originals = [], _heapDistances = [], _queryNorms = [], _queryNormsSquared = [];
    private int[] _heapIndices = [], _heapCounts = [], _excluded = [];
    private bool _disposed;

    /// <param name="backend">where the matrix products run (the CPU backend, a GPU backend)</param>
    /// <param name="vectors">(n, d) the vectors to search, row by row; copied</param>
    /// <param name="dimension">d</param>
    /// <param name="labels">(n) a label per vector, or empty</param>
    /// <exception cref="ArgumentException">the sizes disagree, or a value is NaN, infinite or too large</exception>
    public NearestNeighbourIndex(IBackend backend, ReadOnlySpan<float> vectors, int dimension, ReadOnlySpan<int> labels = default, NearestNeighbourOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(backend);
        _options = options ?? NearestNeighbourOptions.Default;
        _options.Validate();
        if (dimension < 1) throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "A nearest-neighbour index needs a dimension of at least 1.");
        if (vectors.IsEmpty) throw new ArgumentException("A nearest-neighbour index needs at least one vector.", nameof(vectors));
        if (vectors.Length % dimension != 0)
            throw new ArgumentException($"The vectors hold {vectors.Length} values, which is not a whole number of vectors of dimension {dimension}.", nameof(vectors));
        int n = vectors.Length / dimension;
        if (!labels.IsEmpty && labels.Length != n)
            throw new ArgumentException($"{labels.Length} labels were given for {n} vectors; give one label per vector, or none.", nameof(labels));
        CheckValues(vectors, dimension, "vector", nameof(vectors));

        Backend = backend;
        Dimension = dimension;
        Count = n;
        _vectors = vectors.ToArray();
        _labels = labels.IsEmpty ? null : labels.ToArray();
        _mean = Mean(vectors, dimension);
        _norms = new float[n];
        _bound = ExpansionBound.For(dimension, _options.ProductInputRounding);

        // Chunks small enough for the CPU backend to keep their packed copy (packed once, not per block), of equal size.
        long most = _options.ChunkVectors > 0 ? _options.ChunkVectors : Math.Max(1, CpuPackedWeights.DenseBudget / dimension);
        int chunkCount = (int)((n + most - 1) / most), chunkSize = (n + chunkCount - 1) / chunkCount;
        _chunks = new Chunk[chunkCount];
        try
        {
            for (int c = 0; c < chunkCount; c++)
            {
                int first = c * chunkSize;
                _chunks[c] = CreateChunk(first, Math.Min(chunkSize, n - first));
            }
        }
        catch
        {
            Dispose();
            throw;
        }
        int block = _options.DistanceBlockFloats;
        _blockQueries = Math.Max(1, Math.Min(block / chunkSize, block / dimension));
    }

    public IBackend Backend { get; }

    /// <summary>d, the values of each vector.</summary>
    public int Dimension { get; }

    /// <summary>n, the vectors indexed.</summary>
    public int Count { get; }

    /// <summary>The vectors' labels, or null when none were given.</summary>
    public IReadOnlyList<int>? Labels => _labels;

    /// <summary>(m) the labels of the vectors at <paramref name="indices"/> (m of them), e.g. of <see cref="NeighbourResults.Indices"/>.</summary>
    public int[] LabelsOf(ReadOnlySpan<int> indices)
    {
        if (_labels is null) throw new InvalidOperationException("This nearest-neighbour index was built without labels.");
        var result = new int[indices.Length];
        for (int i = 0; i < indices.Length; i++)
            result[i] = (uint)indices[i] < (uint)Count ? _labels[indices[i]]
                : throw new ArgumentOutOfRangeException(nameof(indices), indices[i], $"Index {indices[i]} (position {i}) is not one of the {Count} vectors.");
        return result;
    }

    /// <summary>The <paramref name="k"/> nearest vectors of each query.</summary>
    /// <param name="queries">(count, d) row by row</param>
    /// <param name="excluded">(count) per query the index of a vector not to return (its own, leaving one out), or -1; or empty</param>
    public NeighbourResults Search(ReadOnlySpan<float> queries, int k, ReadOnlySpan<int> excluded = default)
    {
        int count = CheckQueries(queries, k, excluded);
        var indices = new int[count * k];
        var distances = new float[count * k];
        Run(queries, k, excluded, indices, distances);
        return new NeighbourResults(count, k, indices, distances);
    }

    /// <summary>The <paramref name="k"/> nearest vectors of each query, written into caller-owned buffers.</summary>
    /// <param name="queries">(count, d) row by row</param>
    /// <param name="indices">(count, k) the neighbours' indices, nearest first, ties in index order</param>
    /// <param name="distances">(count, k) their Euclidean distances</param>
    /// <param name="excluded">(count) per query the index of a vector not to return, or -1; or empty</param>
    public void Search(ReadOnlySpan<float> queries, int k, Span<int> indices, Span<float> distances, ReadOnlySpan<int> excluded = default)
    {
        int count = CheckQueries(queries, k, excluded);
        if (indices.Length != count * k || distances.Length != count * k)
            throw new ArgumentException($"{count} queries with k = {k} need {count * k} indices and distances; the buffers hold {indices.Length} and {distances.Length}.");
        Run(queries, k, excluded, indices, distances);
    }

    /// <summary>Every indexed vector's <paramref name="k"/> nearest among the others: leave-one-out retrieval on the indexed set.</summary>
    public NeighbourResults SearchLeaveOneOut(int k)
    {
        var self = new int[Count];
        for (int i = 0; i < self.Length; i++) self[i] = i;
        return Search(_vectors, k, self);
    }

    /// <summary>The search of checked arguments, a block of queries at a time.</summary>
    private void Run(ReadOnlySpan<float> queries, int k, ReadOnlySpan<int> excluded, Span<int> indices, Span<float> distances)
    {
        int count = queries.Length / Dimension;
        // The heaps of a block (k per query) stay within the distance block too.
        int blockQueries = Math.Max(1, Math.Min(_blockQueries, _options.DistanceBlockFloats / k));
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            for (int start = 0; start < count; start += blockQueries)
            {
                int b = Math.Min(blockQueries, count - start), d = Dimension;
                SearchBlock(queries.Slice(start * d, b * d), k, excluded.IsEmpty ? default : excluded.Slice(start, b),
                    indices.Slice(start * k, b * k), distances.Slice(start * k, b * k));
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            foreach (var chunk in _chunks)
            {
                chunk?.Vectors.Dispose();
                chunk?.SquaredNorms.Dispose();
            }
            _queryBlock?.Dispose();
            _distanceBlock?.Dispose();
        }
    }

    /// <summary>How many matrix products a block of queries takes.</summary>
    internal int ChunkCount => _chunks.Length;

    /// <summary>The most queries searched at once.</summary>
    internal int BlockQueries => _blockQueries;

    /// <summary>The most vectors in one chunk.</summary>
    internal int ChunkSize => _chunks[0].Count;

    public override string ToString() => $"NearestNeighbourIndex({Count} vectors of {Dimension}, {_chunks.Length} chunk{(_chunks.Length == 1 ? "" : "s")}, on {Backend.Name})";

    /// <summary>One matrix product's worth of the index: x̂ = x − μ of vectors first … first + count - 1 and their ‖x̂‖², on the backend.</summary>
    private sealed record Chunk(int First, int Count, Tensor Vectors, Tensor SquaredNorms);

    private Chunk CreateChunk(int first, int count)
    {
        int d = Dimension;
        var centred = new float[count * d];
        var squaredNorms = new float[count];
        for (int i = 0; i < count; i++)
        {
            var x = _vectors.AsSpan((first + i) * d, d);
            var row = centred.AsSpan(i * d, d);
            double sum = 0;
            for (int j = 0; j < d; j++)
            {
                row[j] = x[j] - _mean[j];
                sum += (double)row[j] * row[j];
            }
            squaredNorms[i] = (float)sum;
            _norms[first + i] = (float)Math.Sqrt(sum);
        }
        var vectors = Backend.Allocate(new Shape(count, d));
        var norms = Backend.Allocate(new Shape(count));
        Backend.Upload(centred, vectors);
        Backend.Upload(squaredNorms, norms);
        return new Chunk(first, count, vectors, norms);
    }

    /// <param name="queries">(b, d)</param>
    /// <param name="excluded">(b) or empty</param>
    /// <param name="indices">(b, k)</param>
    /// <param name="distances">(b, k)</param>
    private void SearchBlock(ReadOnlySpan<float> queries, int k, ReadOnlySpan<int> excluded, Span<int> indices, Span<float> distances)
    {
        int d = Dimension, b = queries.Length / d;
        Reserve(b, k);
        // The product's input is -2 q̂ (exact), and its bias ‖x̂‖², so that it gives ‖x̂‖² - 2 q̂·x̂.
        queries.CopyTo(_originals);
        for (int q = 0; q < b; q++)
        {
            var value = queries.Slice(q * d, d);
            var centred = _centred.AsSpan(q * d, d);
            double sum = 0;
            for (int j = 0; j < d; j++)
            {
                float c = value[j] - _mean[j];
                sum += (double)c * c;
                centred[j] = -2 * c;
            }
            _queryNormsSquared[q] = (float)sum;
            _queryNorms[q] = (float)Math.Sqrt(sum);
            _excluded[q] = excluded.IsEmpty ? -1 : excluded[q];
            _heapCounts[q] = 0;
        }
        var input = View(_queryBlock!, new Shape(b, d));
        Backend.Upload(_centred.AsSpan(0, b * d), input);
        foreach (var chunk in _chunks)
        {
            var output = View(_distanceBlock!, new Shape(b, chunk.Count));
            Backend.Dense.Forward(input, chunk.Vectors, chunk.SquaredNorms, output);
            Backend.Download(output, _scores.AsSpan(0, b * chunk.Count));
            CpuParallel.For(b, q => ScanChunk(chunk, q, k));
        }
        for (int q = 0; q < b; q++)
        {
            var heap = new NeighbourHeap(_heapDistances.AsSpan(q * k, k), _heapIndices.AsSpan(q * k, k), ref _heapCounts[q]);
            heap.Drain(indices.Slice(q * k, k), distances.Slice(q * k, k));
        }
    }

    private void ScanChunk(Chunk chunk, int q, int k)
    {
        int d = Dimension;
        var heap = new NeighbourHeap(_heapDistances.AsSpan(q * k, k), _heapIndices.AsSpan(q * k, k), ref _heapCounts[q]);
        var query = new ScanQuery(_originals.AsSpan(q * d, d), _queryNorms[q], _queryNormsSquared[q], _excluded[q]);
        NeighbourKernels.Scan(_scores.AsSpan(q * chunk.Count, chunk.Count), _norms.AsSpan(chunk.First, chunk.Count), chunk.First, query, _vectors,
            _bound, _options.Isa, ref heap);
    }

    /// <summary>Workspace for blocks of <paramref name="b"/> queries, grown to the largest block asked for so far.</summary>
    private void Reserve(int b, int k)
    {
        int d = Dimension, widest = _chunks.Max(c => c.Count);
        if (_queryBlock is null || _queryBlock.Shape[0] < b)
        {
            _queryBlock?.Dispose();
            _distanceBlock?.Dispose();
            _queryBlock = null;
            _distanceBlock = null;
            _queryBlock = Backend.Allocate(new Shape(b, d));
            _distanceBlock = Backend.Allocate(new Shape(b, widest));
            _centred = new float[b * d];
            _originals = new float[b * d];
            _scores = new float[b * widest];
            _queryNorms = new float[b];
            _queryNormsSquared = new float[b];
            _excluded = new int[b];
            _heapCounts = new int[b];
        }
        int capacity = _queryBlock.Shape[0];
        if (_heapDistances.Length < capacity * k)
        {
            _heapDistances = new float[capacity * k];
            _heapIndices = new int[capacity * k];
        }
    }

    /// <summary>The first shape.Size values of a workspace tensor, as a tensor of that shape.</summary>
    private Tensor View(Tensor workspace, Shape shape) => new(Backend, workspace.Buffer, shape, workspace.Offset);

    private int CheckQueries(ReadOnlySpan<float> queries, int k, ReadOnlySpan<int> excluded)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int d = Dimension;
        if (queries.Length % d != 0)
            throw new ArgumentException($"The queries hold {queries.Length} values, which is not a whole number of queries of the index's dimension {d}.", nameof(queries));
        int count = queries.Length / d;
        if (!excluded.IsEmpty && excluded.Length != count)
            throw new ArgumentException($"{excluded.Length} excluded indices were given for {count} queries; give one per query (-1 for none), or none.", nameof(excluded));
        bool excludes = false;
        for (int q = 0; q < excluded.Length; q++)
        {
            if (excluded[q] < -1 || excluded[q] >= Count)
                throw new ArgumentOutOfRangeException(nameof(excluded), excluded[q], $"Query {q} excludes index {excluded[q]}, which is neither -1 (none) nor one of the {Count} vectors.");
            excludes |= excluded[q] >= 0;
        }
        int most = excludes ? Count - 1 : Count;
        if (k < 1 || k > most)
            throw new ArgumentOutOfRangeException(nameof(k), k, most < 1
                ? $"An index of {Count} vector leaves none to return once a query's own is excluded."
                : $"k must be between 1 and {most}: the index holds {Count} vectors{(excludes ? ", one of which each query excludes" : "")}.");
        if ((long)count * k > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(k), k, $"{count} queries with k = {k} give more results than one array holds; search fewer queries at a time.");
        CheckValues(queries, d, "query", nameof(queries));
        return count;
    }

    /// <summary>Every value finite and every row's squared norm at most <see cref="MaxSquaredNorm"/>; the message names the row and the value.</summary>
    private static void CheckValues(ReadOnlySpan<float> values, int d, string what, string parameter)
    {
        for (int row = 0; row * d < values.Length; row++)
        {
            var v = values.Slice(row * d, d);
            double sum = 0;
            foreach (float x in v) sum += (double)x * x;
            if (double.IsFinite(sum) && sum <= MaxSquaredNorm) continue;
            for (int j = 0; j < d; j++)
                if (!float.IsFinite(v[j]))
                    throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{Capitalised(what)} {row} has {v[j]} at position {j}: distances need finite values."), parameter);
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"{Capitalised(what)} {row} has a squared norm of {sum:G4}, above the {MaxSquaredNorm:G0} float distances hold with room to spare: scale the vectors down."), parameter);
        }
    }

    private static string Capitalised(string word) => char.ToUpperInvariant(word[0]) + word[1..];

    /// <summary>(d) the vectors' mean, summed in double.</summary>
    private static float[] Mean(ReadOnlySpan<float> vectors, int d)
    {
        var sum = new double[d];
        for (int i = 0; i < vectors.Length; i += d)
            for (int j = 0; j < d; j++) sum[j] += vectors[i + j];
        int n = vectors.Length / d;
        return [.. sum.Select(s => (float)(s / n))];
    }
}
