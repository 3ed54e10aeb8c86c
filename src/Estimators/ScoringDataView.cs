using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetConv.Estimators;

/// <summary>
/// The transformed view. A cursor walks the input row by row for the pass-through columns while a second cursor
/// reads ahead a batch of feature vectors, so the network scores <c>BatchSize</c> rows per forward pass.
/// </summary>
internal sealed class ScoringDataView(IDataView input, ConvNetClassificationTransformer transformer) : IDataView
{
    public DataViewSchema Schema { get; } = ScoringSchema.Build(input.Schema, transformer);
    public bool CanShuffle => false;
    public long? GetRowCount() => input.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var needed = columnsNeeded.ToArray();
        int inputCount = input.Schema.Count;
        bool scoring = needed.Any(c => c.Index >= inputCount);
        var inputColumns = needed.Where(c => c.Index < inputCount).Select(c => input.Schema[c.Index]).ToList();
        return new Cursor(this, input.GetRowCursor(inputColumns), scoring ? input.GetRowCursor([input.Schema[transformer.FeatureColumnName]]) : null, needed);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor : DataViewRowCursor
    {
        private readonly ScoringDataView _view;
        private readonly DataViewRowCursor _input;
        private readonly DataViewRowCursor? _lookahead;
        private readonly ValueGetter<VBuffer<float>>? _features;
        private readonly HashSet<int> _active;
        private readonly int _k, _sample, _inputCount;
        private readonly float[] _batchFeatures, _batchScores;
        private int _batchCount, _batchAt;
        private VBuffer<float> _buffer;

        public Cursor(ScoringDataView view, DataViewRowCursor input, DataViewRowCursor? lookahead, DataViewSchema.Column[] active)
        {
            _view = view;
            _input = input;
            _lookahead = lookahead;
            _active = active.Select(c => c.Index).ToHashSet();
            var model = view._transformer().Model;
            _k = model.ClassCount;
            _sample = model.SampleShape.Size;
            _inputCount = input.Schema.Count;
            int batch = view._transformer().BatchSize;
            _batchFeatures = new float[batch * _sample];
            _batchScores = new float[batch * _k];
            if (lookahead is not null) _features = lookahead.GetGetter<VBuffer<float>>(lookahead.Schema[view._transformer().FeatureColumnName]);
        }

        public override DataViewSchema Schema => _view.Schema;
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
            var transformer = _view._transformer();
            _batchCount = 0;
            _batchAt = 0;
            while (_batchCount < transformer.BatchSize && _lookahead!.MoveNext())
            {
                _features!(ref _buffer);
                if (_buffer.Length != _sample)
                    throw new InvalidOperationException($"ConvNet: row {_lookahead.Position}, column '{transformer.FeatureColumnName}' has {_buffer.Length} values, expected {_sample}.");
                _buffer.CopyTo(_batchFeatures, _batchCount * _sample);
                _batchCount++;
            }
            if (_batchCount > 0) transformer.Model.Score(_batchFeatures, _batchCount, _batchScores);
        }

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (column.Index < _inputCount) return _input.GetGetter<TValue>(_input.Schema[column.Index]);
            ReadOnlySpan<float> Scores() => _batchScores.AsSpan(_batchAt * _k, _k);
            if (column.Index == _inputCount)
            {
                ValueGetter<VBuffer<float>> score = (ref VBuffer<float> v) =>
                {
                    var editor = VBufferEditor.Create(ref v, _k);
                    Scores().CopyTo(editor.Values);
                    v = editor.Commit();
                };
                return (ValueGetter<TValue>)(Delegate)score;
            }
            ValueGetter<uint> predicted = (ref uint v) => v = (uint)ArgMax(Scores()) + 1;
            return (ValueGetter<TValue>)(Delegate)predicted;
        }

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

    private ConvNetClassificationTransformer _transformer() => transformer;

    internal static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
            if (values[i] > values[best]) best = i;
        return best;
    }
}
