using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetConv.Estimators;

/// <summary>Row-by-row scoring for PredictionEngine: each output row scores its input row once, on first access.</summary>
internal sealed class ScoringRowMapper(DataViewSchema inputSchema, ConvNetClassificationTransformer transformer) : IRowToRowMapper
{
    public DataViewSchema InputSchema => inputSchema;
    public DataViewSchema OutputSchema { get; } = ScoringSchema.Build(inputSchema, transformer);

    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns) =>
        dependingColumns.Any(c => c.Index >= inputSchema.Count) ? [inputSchema[transformer.FeatureColumnName]] : [];

    public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns) =>
        new Row(this, input, activeColumns.Select(c => c.Index).ToHashSet());

    private sealed class Row : DataViewRow
    {
        private readonly ScoringRowMapper _mapper;
        private readonly DataViewRow _input;
        private readonly HashSet<int> _active;
        private readonly float[] _features, _scores;
        private readonly ValueGetter<VBuffer<float>>? _getFeatures;
        private VBuffer<float> _buffer;
        private long _scoredPosition = -1;

        public Row(ScoringRowMapper mapper, DataViewRow input, HashSet<int> active)
        {
            _mapper = mapper;
            _input = input;
            _active = active;
            var model = mapper.Transformer.Model;
            _features = new float[model.SampleShape.Size];
            _scores = new float[model.ClassCount];
            if (active.Any(i => i >= mapper.InputSchema.Count))
                _getFeatures = input.GetGetter<VBuffer<float>>(input.Schema[mapper.Transformer.FeatureColumnName]);
        }

        public override DataViewSchema Schema => _mapper.OutputSchema;
        public override long Position => _input.Position;
        public override long Batch => _input.Batch;
        public override bool IsColumnActive(DataViewSchema.Column column) => _active.Contains(column.Index);
        public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();

        private float[] Scores()
        {
            if (_scoredPosition != _input.Position || _input.Position < 0)
            {
                _getFeatures!(ref _buffer);
                if (_buffer.Length != _features.Length)
                    throw new InvalidOperationException($"ConvNet: column '{_mapper.Transformer.FeatureColumnName}' has {_buffer.Length} values, expected {_features.Length}.");
                _buffer.CopyTo(_features);
                _mapper.Transformer.Model.Score(_features, 1, _scores);
                _scoredPosition = _input.Position;
            }
            return _scores;
        }

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            int inputCount = _mapper.InputSchema.Count;
            if (column.Index < inputCount) return _input.GetGetter<TValue>(_input.Schema[column.Index]);
            if (column.Index == inputCount)
            {
                ValueGetter<VBuffer<float>> score = (ref VBuffer<float> v) =>
                {
                    var s = Scores();
                    var editor = VBufferEditor.Create(ref v, s.Length);
                    s.CopyTo(editor.Values);
                    v = editor.Commit();
                };
                return (ValueGetter<TValue>)(Delegate)score;
            }
            ValueGetter<uint> predicted = (ref uint v) => v = (uint)ScoringDataView.ArgMax(Scores()) + 1;
            return (ValueGetter<TValue>)(Delegate)predicted;
        }
    }

    private ConvNetClassificationTransformer Transformer => transformer;
}
