using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetConv.Transforms;

/// <summary>
/// The transformed view. A cursor walks the input for the pass-through columns while a second one reads ahead a batch
/// of feature vectors, so that the index searches <see cref="NearestNeighboursTransformer.BatchSize"/> rows at once.
/// </summary>
internal sealed class NearestNeighboursDataView(IDataView input, NearestNeighboursTransformer transformer, DataViewSchema.Column features) : IDataView
{
    public DataViewSchema Schema { get; } = transformer.OutputSchema(input.Schema);
    public bool CanShuffle => false;
    public long? GetRowCount() => input.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var needed = columnsNeeded.ToArray();
        int inputCount = input.Schema.Count;
        var inputColumns = needed.Where(c => c.Index < inputCount).Select(c => input.Schema[c.Index]).ToList();
        var lookahead = needed.Any(c => c.Index >= inputCount) ? input.GetRowCursor([features]) : null;
        return new Cursor(Schema, transformer, input.GetRowCursor(inputColumns), lookahead, features, needed);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor : DataViewRowCursor
    {
        private readonly NearestNeighboursTransformer _transformer;
        private readonly DataViewRowCursor _input;
        private readonly DataViewRowCursor? _lookahead;
        private readonly Action<Span<float>>? _read;
        private readonly HashSet<int> _active;
        private readonly int _k, _d;
        private readonly float[] _queries, _distances;
        private readonly int[] _indices;
        private readonly long[] _positions;
        private int _batchCount, _batchAt;

        public Cursor(DataViewSchema schema, NearestNeighboursTransformer transformer, DataViewRowCursor input, DataViewRowCursor? lookahead,
            DataViewSchema.Column features, DataViewSchema.Column[] active)
        {
            Schema = schema;
            _transformer = transformer;
            _input = input;
            _lookahead = lookahead;
            _active = active.Select(c => c.Index).ToHashSet();
            _k = transformer.K;
            _d = transformer.Index.Dimension;
            int batch = lookahead is null ? 0 : transformer.BatchSize;
            _queries = new float[batch * _d];
            _indices = new int[batch * _k];
            _distances = new float[batch * _k];
            _positions = new long[batch];
            if (lookahead is not null) _read = FeatureVectors.Reader(lookahead, features, "feature");
        }

        public override DataViewSchema Schema { get; }
        public override long Position => _input.Position;
        public override long Batch => _input.Batch;
        public override bool IsColumnActive(DataViewSchema.Column column) => _active.Contains(column.Index);
        public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();

        public override bool MoveNext()
        {
            if (!_input.MoveNext()) return false;
            if (_lookahead is not null && ++_batchAt >= _batchCount) FillBatch();
            return true;
        }

        private void FillBatch()
        {
            _batchCount = 0;
            _batchAt = 0;
            while (_batchCount < _positions.Length && _lookahead!.MoveNext())
            {
                _read!(_queries.AsSpan(_batchCount * _d, _d));
                _positions[_batchCount++] = _lookahead.Position;
            }
            if (_batchCount > 0)
                _transformer.Search(_queries.AsSpan(0, _batchCount * _d), _positions.AsSpan(0, _batchCount),
                    _indices.AsSpan(0, _batchCount * _k), _distances.AsSpan(0, _batchCount * _k));
        }

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) =>
            column.Index < _input.Schema.Count
                ? _input.GetGetter<TValue>(_input.Schema[column.Index])
                : _transformer.OutputGetter<TValue>(column.Index - _input.Schema.Count,
                    () => _indices.AsSpan(_batchAt * _k, _k), () => _distances.AsSpan(_batchAt * _k, _k));

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _input.Dispose();
                _lookahead?.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
