using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetConv.Transforms;

/// <summary>
/// A <see cref="NearestNeighboursTransformer"/>'s search on the rows of one input schema: the feature vectors in, per row
/// the indices and distances of its K nearest reference rows out, which the transformer's columns read.
/// </summary>
internal sealed class NeighbourSearch(NearestNeighboursTransformer transformer, DataViewSchema inputSchema) : BatchedComputation<NeighbourSearch.Results>
{
    /// <summary>Per row its K neighbours' reference indices and distances.</summary>
    /// <param name="Indices">(rows, K)</param>
    /// <param name="Distances">(rows, K)</param>
    internal sealed record Results(int[] Indices, float[] Distances);

    private readonly DataViewSchema.Column _features = transformer.CheckInput(inputSchema);
    private readonly int _k = transformer.K;

    public override DataViewSchema OutputSchema { get; } = transformer.OutputSchema(inputSchema);
    public override int BatchSize => transformer.BatchSize;
    public override int InputSize => transformer.Index.Dimension;
    public override IEnumerable<DataViewSchema.Column> InputColumns => [_features];

    public override Action<Span<float>> Reader(DataViewRow row) => FeatureVectors.Reader(row, _features, "feature");

    public override Results Allocate(int rows) => new(new int[rows * _k], new float[rows * _k]);

    public override void Run(Span<float> inputs, ReadOnlySpan<long> positions, Results outputs) =>
        transformer.Search(inputs, positions, outputs.Indices.AsSpan(0, positions.Length * _k), outputs.Distances.AsSpan(0, positions.Length * _k));

    public override ValueGetter<TValue> OutputGetter<TValue>(int output, Results outputs, Func<int> row) =>
        transformer.OutputGetter<TValue>(output, () => outputs.Indices.AsSpan(row() * _k, _k), () => outputs.Distances.AsSpan(row() * _k, _k));
}
