using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetConv.Transforms;

namespace MlNetConv.Estimators;

/// <summary>
/// A <see cref="ConvNetTransformer"/>'s network on the rows of one input schema: the feature column's samples in, per row
/// one sample's <see cref="ConvNetModel.OutputShape"/> values out, which the transformer's columns read.
/// </summary>
internal sealed class ConvNetScoring(ConvNetTransformer transformer, DataViewSchema inputSchema) : BatchedComputation<float[]>
{
    private readonly FeatureColumn _features = transformer.CheckInput(inputSchema);
    private readonly int _k = transformer.Model.OutputShape.Size;

    public override DataViewSchema OutputSchema { get; } = transformer.OutputSchema(inputSchema);
    public override int BatchSize => transformer.BatchSize;
    public override int InputSize => transformer.Model.SampleShape.Size;
    public override IEnumerable<DataViewSchema.Column> InputColumns => FeatureReader.Needs(inputSchema, _features, transformer.ImagePathColumnName);

    public override Action<Span<float>> Reader(DataViewRow row) => _features.Reader(row, "scoring", transformer.ImagePathColumnName).Read;

    /// <returns>(rows, OutputShape) scores</returns>
    public override float[] Allocate(int rows) => new float[rows * _k];

    public override void Run(Span<float> inputs, ReadOnlySpan<long> positions, float[] scores) => transformer.Model.Score(inputs, positions.Length, scores);

    public override ValueGetter<TValue> OutputGetter<TValue>(int output, float[] scores, Func<int> row) =>
        transformer.OutputGetter<TValue>(output, () => scores.AsSpan(row() * _k, _k));
}
