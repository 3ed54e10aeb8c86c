using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetConv.Transforms;

/// <summary>Row-by-row search for PredictionEngine: each output row searches its input row once per position, on first access.</summary>
internal sealed class NearestNeighboursRowMapper(DataViewSchema inputSchema, NearestNeighboursTransformer transformer, DataViewSchema.Column features) : IRowToRowMapper
{
    public DataViewSchema InputSchema => inputSchema;
    public DataViewSchema OutputSchema { get; } = transformer.OutputSchema(inputSchema);

    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns) =>
        dependingColumns.Any(c => c.Index >= inputSchema.Count) ? [features] : [];

    public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns) =>
        new Row(OutputSchema, transformer, features, input, activeColumns.Select(c => c.Index).ToHashSet());

    private sealed class Row : DataViewRow
    {
        private readonly NearestNeighboursTransformer _transformer;
        private readonly DataViewRow _input;
        private readonly HashSet<int> _active;
        private readonly Action<Span<float>>? _read;
        private readonly float[] _query, _distances;
        private readonly int[] _indices;
        private long _searchedPosition = -1;

        public Row(DataViewSchema schema, NearestNeighboursTransformer transformer, DataViewSchema.Column features, DataViewRow input, HashSet<int> active)
        {
            Schema = schema;
            _transformer = transformer;
            _input = input;
            _active = active;
            _query = new float[transformer.Index.Dimension];
            _indices = new int[transformer.K];
            _distances = new float[transformer.K];
            if (active.Any(i => i >= input.Schema.Count)) _read = FeatureVectors.Reader(input, features, "feature");
        }

        public override DataViewSchema Schema { get; }
        public override long Position => _input.Position;
        public override long Batch => _input.Batch;
        public override bool IsColumnActive(DataViewSchema.Column column) => _active.Contains(column.Index);
        public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();

        private void Search()
        {
            if (_searchedPosition == _input.Position && _input.Position >= 0) return;
            _read!(_query);
            _transformer.Search(_query, [_input.Position], _indices, _distances);
            _searchedPosition = _input.Position;
        }

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) =>
            column.Index < _input.Schema.Count
                ? _input.GetGetter<TValue>(_input.Schema[column.Index])
                : _transformer.OutputGetter<TValue>(column.Index - _input.Schema.Count,
                    () => { Search(); return _indices; }, () => { Search(); return _distances; });
    }
}
