using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetConv.Estimators;

/// <summary>Row-by-row scoring for PredictionEngine: each output row scores its input row once per position, on first access.</summary>
internal sealed class ScoringRowMapper(DataViewSchema inputSchema, ConvNetClassificationTransformer transformer) : IRowToRowMapper
{
    public DataViewSchema InputSchema => inputSchema;
    public DataViewSchema OutputSchema { get; } = ScoringColumns.Schema(inputSchema, transformer);

    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns) =>
        dependingColumns.Any(c => c.Index >= inputSchema.Count) ? [inputSchema[transformer.FeatureColumnName]] : [];

    public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns) =>
        new Row(OutputSchema, transformer, input, activeColumns.Select(c => c.Index).ToHashSet());

    private sealed class Row : DataViewRow
    {
        private readonly ConvNetClassificationTransformer _transformer;
        private readonly DataViewRow _input;
        private readonly HashSet<int> _active;
        private readonly float[] _features, _scores;
        private readonly ValueGetter<VBuffer<float>>? _getFeatures;
        private VBuffer<float> _buffer;
        private long _scoredPosition = -1;

        public Row(DataViewSchema schema, ConvNetClassificationTransformer transformer, DataViewRow input, HashSet<int> active)
        {
            Schema = schema;
            _transformer = transformer;
            _input = input;
            _active = active;
            _features = new float[transformer.Model.SampleShape.Size];
            _scores = new float[transformer.Model.ClassCount];
            if (active.Any(i => i >= input.Schema.Count))
                _getFeatures = input.GetGetter<VBuffer<float>>(input.Schema[transformer.FeatureColumnName]);
        }

        public override DataViewSchema Schema { get; }
        public override long Position => _input.Position;
        public override long Batch => _input.Batch;
        public override bool IsColumnActive(DataViewSchema.Column column) => _active.Contains(column.Index);
        public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();

        private ReadOnlySpan<float> Scores()
        {
            if (_scoredPosition != _input.Position || _input.Position < 0)
            {
                _getFeatures!(ref _buffer);
                if (_buffer.Length != _features.Length)
                    throw new InvalidOperationException($"ConvNet: column '{_transformer.FeatureColumnName}' has {_buffer.Length} values, expected {_features.Length}.");
                _buffer.CopyTo(_features);
                _transformer.Model.Score(_features, 1, _scores);
                _scoredPosition = _input.Position;
            }
            return _scores;
        }

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) =>
            column.Index < _input.Schema.Count
                ? _input.GetGetter<TValue>(_input.Schema[column.Index])
                : ScoringColumns.Getter<TValue>(column, _input.Schema.Count, Scores);
    }
}
