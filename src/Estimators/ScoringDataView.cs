using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetConv.Estimators;

/// <summary>
/// The transformed view. A cursor walks the input row by row for the pass-through columns while a second cursor
/// reads ahead a batch of feature vectors, so the network scores <c>BatchSize</c> rows per forward pass.
/// </summary>
internal sealed class ScoringDataView(IDataView input, ConvNetTransformer transformer) : IDataView
{
    public DataViewSchema Schema { get; } = transformer.OutputSchema(input.Schema);
    public bool CanShuffle => false;
    public long? GetRowCount() => input.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var needed = columnsNeeded.ToArray();
        int inputCount = input.Schema.Count;
        var inputColumns = needed.Where(c => c.Index < inputCount).Select(c => input.Schema[c.Index]).ToList();
        var features = transformer.CheckInput(input.Schema);
        var lookahead = needed.Any(c => c.Index >= inputCount)
            ? input.GetRowCursor(FeatureReader.Needs(input.Schema, features, transformer.ImagePathColumnName)) : null;
        return new Cursor(Schema, transformer, input.GetRowCursor(inputColumns), lookahead, features, needed);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor : DataViewRowCursor
    {
        private readonly ConvNetTransformer _transformer;
        private readonly DataViewRowCursor _input;
        private readonly DataViewRowCursor? _lookahead;
        private readonly FeatureReader? _features;
        private readonly HashSet<int> _active;
        private readonly int _k, _sample;
        private readonly float[] _batchFeatures, _batchScores;
        private int _batchCount, _batchAt;

        public Cursor(DataViewSchema schema, ConvNetTransformer transformer, DataViewRowCursor input, DataViewRowCursor? lookahead,
            FeatureColumn features, DataViewSchema.Column[] active)
        {
            Schema = schema;
            _transformer = transformer;
            _input = input;
            _lookahead = lookahead;
            _active = active.Select(c => c.Index).ToHashSet();
            _k = transformer.Model.OutputShape.Size;
            _sample = transformer.Model.SampleShape.Size;
            _batchFeatures = new float[transformer.BatchSize * _sample];
            _batchScores = new float[transformer.BatchSize * _k];
            if (lookahead is not null) _features = features.Reader(lookahead, "scoring", transformer.ImagePathColumnName);
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
            while (_batchCount < _transformer.BatchSize && _lookahead!.MoveNext())
            {
                _features!.Read(_batchFeatures.AsSpan(_batchCount * _sample, _sample));
                _batchCount++;
            }
            if (_batchCount > 0) _transformer.Model.Score(_batchFeatures, _batchCount, _batchScores);
        }

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) =>
            column.Index < _input.Schema.Count
                ? _input.GetGetter<TValue>(_input.Schema[column.Index])
                : _transformer.OutputGetter<TValue>(column.Index - _input.Schema.Count, () => _batchScores.AsSpan(_batchAt * _k, _k));

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
