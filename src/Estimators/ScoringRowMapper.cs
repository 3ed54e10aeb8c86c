using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetConv.Estimators;

/// <summary>Row-by-row scoring for PredictionEngine: each output row scores its input row once per position, on first access.</summary>
internal sealed class ScoringRowMapper(DataViewSchema inputSchema, ConvNetTransformer transformer) : IRowToRowMapper
{
    public DataViewSchema InputSchema => inputSchema;
    public DataViewSchema OutputSchema { get; } = transformer.OutputSchema(inputSchema);

    private readonly FeatureColumn _features = transformer.CheckInput(inputSchema);

    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns) =>
        dependingColumns.Any(c => c.Index >= inputSchema.Count) ? FeatureReader.Needs(inputSchema, _features, transformer.ImagePathColumnName) : [];

    public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns) =>
        new Row(OutputSchema, transformer, _features, input, activeColumns.Select(c => c.Index).ToHashSet());

    private sealed class Row : DataViewRow
    {
        private readonly ConvNetTransformer _transformer;
        private readonly DataViewRow _input;
        private readonly HashSet<int> _active;
        private readonly float[] _features, _scores;
        private readonly FeatureReader? _reader;
        private long _scoredPosition = -1;

        public Row(DataViewSchema schema, ConvNetTransformer transformer, FeatureColumn features, DataViewRow input, HashSet<int> active)
        {
            Schema = schema;
            _transformer = transformer;
            _input = input;
            _active = active;
            _features = new float[transformer.Model.SampleShape.Size];
            _scores = new float[transformer.Model.OutputShape.Size];
            if (active.Any(i => i >= input.Schema.Count))
                _reader = features.Reader(input, "scoring", transformer.ImagePathColumnName);
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
                _reader!.Read(_features);
                _transformer.Model.Score(_features, 1, _scores);
                _scoredPosition = _input.Position;
            }
            return _scores;
        }

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) =>
            column.Index < _input.Schema.Count
                ? _input.GetGetter<TValue>(_input.Schema[column.Index])
                : _transformer.OutputGetter<TValue>(column.Index - _input.Schema.Count, Scores);
    }
}
