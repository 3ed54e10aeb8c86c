using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetConv.Transforms;

/// <summary>
/// Row by row, for PredictionEngine: each output row runs its input row as a batch of one, once per position, on the
/// first access to an added column.
/// </summary>
internal sealed class BatchedRowMapper<TOutputs>(DataViewSchema inputSchema, BatchedComputation<TOutputs> computation) : IRowToRowMapper
{
    public DataViewSchema InputSchema => inputSchema;
    public DataViewSchema OutputSchema => computation.OutputSchema;

    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns) =>
        dependingColumns.Any(c => c.Index >= inputSchema.Count) ? computation.InputColumns : [];

    public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns) =>
        new Row(OutputSchema, computation, input, activeColumns.Select(c => c.Index).ToHashSet());

    private sealed class Row : DataViewRow
    {
        private readonly BatchedComputation<TOutputs> _computation;
        private readonly DataViewRow _input;
        private readonly HashSet<int> _active;
        private readonly Action<Span<float>>? _read;
        private readonly float[] _inputs;
        private readonly long[] _position = new long[1];
        private readonly TOutputs _outputs;
        private long _computedPosition = -1;

        public Row(DataViewSchema schema, BatchedComputation<TOutputs> computation, DataViewRow input, HashSet<int> active)
        {
            Schema = schema;
            _computation = computation;
            _input = input;
            _active = active;
            _inputs = new float[computation.InputSize];
            _outputs = computation.Allocate(1);
            if (active.Any(i => i >= input.Schema.Count)) _read = computation.Reader(input);
        }

        public override DataViewSchema Schema { get; }
        public override long Position => _input.Position;
        public override long Batch => _input.Batch;
        public override bool IsColumnActive(DataViewSchema.Column column) => _active.Contains(column.Index);
        public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();

        /// <summary>Runs the current input row unless it has run already (a row without a position always runs); its slice is 0.</summary>
        private int Run()
        {
            if (_computedPosition != _input.Position || _input.Position < 0)
            {
                _read!(_inputs);
                _position[0] = _input.Position;
                _computation.Run(_inputs, _position, _outputs);
                _computedPosition = _input.Position;
            }
            return 0;
        }

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) =>
            column.Index < _input.Schema.Count
                ? _input.GetGetter<TValue>(_input.Schema[column.Index])
                : _computation.OutputGetter<TValue>(column.Index - _input.Schema.Count, _outputs, Run);
    }
}
