using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetConv.Transforms;

/// <summary>
/// A transformed view computed in batches. A cursor walks the input row by row for the pass-through columns while a
/// second cursor reads ahead the inputs of <see cref="BatchedComputation{TOutputs}.BatchSize"/> rows, runs them at once,
/// and serves each row's added columns from the batch's outputs. The look-ahead cursor exists only when an added
/// column is asked for.
/// </summary>
internal sealed class BatchedDataView<TOutputs>(IDataView input, BatchedComputation<TOutputs> computation) : IDataView
{
    public DataViewSchema Schema => computation.OutputSchema;
    public bool CanShuffle => false;
    public long? GetRowCount() => input.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var needed = columnsNeeded.ToArray();
        int inputCount = input.Schema.Count;
        var inputColumns = needed.Where(c => c.Index < inputCount).Select(c => input.Schema[c.Index]).ToList();
        var lookahead = needed.Any(c => c.Index >= inputCount) ? input.GetRowCursor(computation.InputColumns) : null;
        return new Cursor(Schema, computation, input.GetRowCursor(inputColumns), lookahead, needed);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor : DataViewRowCursor
    {
        private readonly BatchedComputation<TOutputs> _computation;
        private readonly DataViewRowCursor _input;
        private readonly DataViewRowCursor? _lookahead;
        private readonly Action<Span<float>>? _read;
        private readonly HashSet<int> _active;
        private readonly int _size;
        private readonly float[] _inputs;
        private readonly long[] _positions;
        private readonly TOutputs _outputs;
        private int _batchCount, _batchAt;

        public Cursor(DataViewSchema schema, BatchedComputation<TOutputs> computation, DataViewRowCursor input, DataViewRowCursor? lookahead,
            DataViewSchema.Column[] active)
        {
            Schema = schema;
            _computation = computation;
            _input = input;
            _lookahead = lookahead;
            _active = active.Select(c => c.Index).ToHashSet();
            _size = computation.InputSize;
            int batch = lookahead is null ? 0 : computation.BatchSize;
            _inputs = new float[batch * _size];
            _positions = new long[batch];
            _outputs = computation.Allocate(batch);
            if (lookahead is not null) _read = computation.Reader(lookahead);
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
                _read!(_inputs.AsSpan(_batchCount * _size, _size));
                _positions[_batchCount++] = _lookahead.Position;
            }
            if (_batchCount > 0) _computation.Run(_inputs.AsSpan(0, _batchCount * _size), _positions.AsSpan(0, _batchCount), _outputs);
        }

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) =>
            column.Index < _input.Schema.Count
                ? _input.GetGetter<TValue>(_input.Schema[column.Index])
                : _computation.OutputGetter<TValue>(column.Index - _input.Schema.Count, _outputs, () => _batchAt);

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
