using System.Text.Json.Nodes;
using MlNetConv.Tensors;

namespace MlNetConv.Layers;

/// <summary>
/// (N, sample...) -> (N, <see cref="SampleShape"/>...) with the same elements in the same order: a view, no copy in either
/// direction. The batch is kept; the new sample shape has 1..4 dimensions and as many elements as the input's.
/// <see cref="Flatten"/> is the common case (N, C·spatial).
/// </summary>
public sealed class Reshape : Layer
{
    public Reshape(int[] sampleShape, string? name = null) : base(name)
    {
        ArgumentNullException.ThrowIfNull(sampleShape);
        if (sampleShape.Length is < 1 or > Shape.MaxRank - 1 || sampleShape.Any(d => d <= 0))
            throw new ArgumentException($"Reshape: the sample shape needs 1..{Shape.MaxRank - 1} positive dimensions, got ({string.Join(", ", sampleShape)}).");
        SampleShape = (int[])sampleShape.Clone();
    }

    public IReadOnlyList<int> SampleShape { get; }

    protected override Shape OnBuild(Shape input)
    {
        long size = SampleShape.Aggregate(1L, (a, d) => a * d);
        if (size != input.SampleSize)
            throw new ArgumentException($"Layer '{Name}' (Reshape): a sample of {input} has {input.SampleSize} elements, ({string.Join(", ", SampleShape)}) has {size}.");
        return new Shape([input.N, .. SampleShape]);
    }

    public override Tensor Forward(Tensor input, bool training)
    {
        CheckInput(input);
        return input.Reshape(OutputShape.WithBatch(input.Shape.N));
    }

    public override Tensor? Backward(Tensor outputGrad) =>
        InputGradRequired ? outputGrad.Reshape(InputShape.WithBatch(outputGrad.Shape.N)) : null;

    public override void WriteConfig(JsonObject config) => config["shape"] = Json.Ints([.. SampleShape]);

    public override string ToString() => $"Reshape(-1, {string.Join(", ", SampleShape)})";
}
