using Microsoft.ML;
using MlNetConv.Tensors;
using MlNetConv.Training;

namespace MlNetConv.Estimators;

/// <summary>
/// Samples read from an IDataView on demand, for data larger than memory. Rows are grouped into blocks of
/// consecutive rows; an epoch visits groups of randomly chosen blocks, loading one group at a time into a cache (one
/// forward pass of a cursor per group) and shuffling the samples within it, so batches mix samples from all over the
/// data while memory stays bounded by the cache. Sequential access (evaluation) reads consecutive blocks.
/// Labels and row positions are held in memory (8 bytes per row plus 4 per label).
/// </summary>
internal sealed class StreamingDataset : IDataset, IDisposable
{
    private readonly IDataView _data;
    private readonly FeatureColumn _features;
    private readonly string _role;
    private readonly string? _pathColumn;
    private readonly long[] _rows;
    private readonly int[] _labels;
    private readonly int _blockSize, _blocksPerGroup, _blockCount;
    private readonly float[] _cache;
    private readonly Dictionary<int, int> _slotOfBlock = [];
    private int[] _groupOfBlock;
    private int[][] _groups;
    private int _lastIndex = -1, _ascending;
    private DataViewRowCursor? _cursor;
    private FeatureReader? _reader;

    /// <param name="rows">the source position of each usable row</param>
    /// <param name="labels">each usable row's targets (labelsPerSample each)</param>
    /// <param name="cacheSamples">how many samples the cache holds</param>
    public StreamingDataset(IDataView data, FeatureColumn features, string role, string? pathColumn, long[] rows, int[] labels, int labelsPerSample,
        long cacheSamples)
    {
        LabelsPerSample = labelsPerSample;
        _data = data;
        _features = features;
        _role = role;
        _pathColumn = pathColumn;
        _rows = rows;
        _labels = labels;
        int cached = (int)Math.Clamp(cacheSamples, 1, Math.Max(1, rows.Length));
        _blocksPerGroup = Math.Clamp(cached / 16, 1, 64);
        _blockSize = Math.Max(1, cached / _blocksPerGroup);
        _blockCount = (rows.Length + _blockSize - 1) / _blockSize;
        _cache = new float[_blocksPerGroup * _blockSize * features.SampleShape.Size];
        (_groups, _groupOfBlock) = Group(Enumerable.Range(0, _blockCount).ToArray());
    }

    public int Count => _rows.Length;
    public Shape SampleShape => _features.SampleShape;
    public int LabelsPerSample { get; }

    /// <summary>Cursor passes opened so far (one per group loaded, plus any restart).</summary>
    public int Passes { get; private set; }

    public void ShuffleEpoch(Span<int> order, RandomStream random)
    {
        var blocks = Enumerable.Range(0, _blockCount).ToArray();
        random.Shuffle(blocks.AsSpan());
        (_groups, _groupOfBlock) = Group(blocks);
        int n = 0;
        foreach (var group in _groups)
        {
            int start = n;
            foreach (int block in group)
                for (int i = block * _blockSize; i < Math.Min(Count, (block + 1) * _blockSize); i++) order[n++] = i;
            random.Shuffle(order[start..n]);
        }
    }

    public void CopyBatch(ReadOnlySpan<int> indices, Span<float> features, Span<int> labels)
    {
        int sample = SampleShape.Size;
        for (int i = 0; i < indices.Length; i++)
        {
            int at = indices[i];
            if ((uint)at >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(indices), $"Sample {at} is outside 0..{Count - 1}.");
            _ascending = at > _lastIndex ? _ascending + 1 : 0;
            _lastIndex = at;
            int block = at / _blockSize;
            if (!_slotOfBlock.TryGetValue(block, out int slot))
            {
                // Reading front to back (evaluation): the next consecutive blocks; otherwise the epoch's group.
                Load(_ascending >= 8 ? [.. Enumerable.Range(block, Math.Min(_blocksPerGroup, _blockCount - block))] : _groups[_groupOfBlock[block]]);
                slot = _slotOfBlock[block];
            }
            _cache.AsSpan((slot * _blockSize + at % _blockSize) * sample, sample).CopyTo(features.Slice(i * sample, sample));
            _labels.AsSpan(at * LabelsPerSample, LabelsPerSample).CopyTo(labels.Slice(i * LabelsPerSample, LabelsPerSample));
        }
    }

    public void Dispose() => _cursor?.Dispose();

    private (int[][] Groups, int[] GroupOfBlock) Group(int[] blocks)
    {
        var groups = blocks.Chunk(_blocksPerGroup).ToArray();
        var groupOfBlock = new int[_blockCount];
        for (int g = 0; g < groups.Length; g++)
            foreach (int block in groups[g]) groupOfBlock[block] = g;
        return (groups, groupOfBlock);
    }

    /// <summary>Reads the samples of <paramref name="blocks"/> into the cache in one forward pass.</summary>
    private void Load(int[] blocks)
    {
        _slotOfBlock.Clear();
        int sample = SampleShape.Size;
        int slot = 0;
        foreach (int block in blocks.Order())
        {
            _slotOfBlock[block] = slot;
            for (int i = block * _blockSize, k = 0; i < Math.Min(Count, (block + 1) * _blockSize); i++, k++)
            {
                Seek(_rows[i]);
                _reader!.Read(_cache.AsSpan((slot * _blockSize + k) * sample, sample));
            }
            slot++;
        }
    }

    private void Seek(long row)
    {
        if (_cursor is null || _cursor.Position > row)
        {
            _cursor?.Dispose();
            _cursor = _data.GetRowCursor(FeatureReader.Needs(_data.Schema, _features, _pathColumn));
            _reader = _features.Reader(_cursor, _role, _pathColumn);
            Passes++;
        }
        while (_cursor.Position < row)
            if (!_cursor.MoveNext())
                throw new InvalidOperationException($"ConvNet: the {_role} data ended at row {_cursor.Position + 1}, but row {row} was read before: the data view changed during training.");
    }
}
