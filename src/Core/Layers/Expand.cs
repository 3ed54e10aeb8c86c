using System.Text.Json.Nodes;
using MlNetConv.Geometry;
using MlNetConv.Tensors;

namespace MlNetConv.Layers;

/// <summary>
/// The input repeated along its axes of extent 1 to <see cref="SampleShape"/> (PyTorch's <c>expand</c>, copied; ONNX's
/// Expand of a computed tensor, as <c>y.expand_as(x)</c> exports): input (N, d1, ..., dk) with every d_i equal to the
/// target's or 1, output (N, target...). Backward sums the gradient over the repeated axes.
/// </summary>
public sealed class Expand : Layer
{
    private Tensor? _output, _inputGrad;

    /// <param name="sampleShape">the output's dimensions after the batch</param>
    public Expand(int[] sampleShape, string? name = null) : base(name)
    {
        ArgumentNullException.ThrowIfNull(sampleShape);
        if (sampleShape.Length is < 1 or > Shape.MaxRank - 1 || sampleShape.Any(d => d <= 0))
            throw new ArgumentException($"Expand: the sample shape needs 1..{Shape.MaxRank - 1} positive dimensions, got ({string.Join(", ", sampleShape)}).");
        SampleShape = (int[])sampleShape.Clone();
    }

    public IReadOnlyList<int> SampleShape { get; }

    protected override Shape OnBuild(Shape input)
    {
        var output = new Shape([input.N, .. SampleShape]);
        if (!Broadcasting.Broadcasts(input, output))
            throw new ArgumentException($"Layer '{Name}' (Expand): input {input} does not expand to {output}: one rank, every dimension the target's or 1.");
        return output;
    }

    public override Tensor Forward(Tensor input, bool training)
    {
        CheckInput(input);
        var output = Reuse(ref _output, OutputShape.WithBatch(input.Shape.N));
        Backend.Elementwise.CopyStrided(input, StridedLayout.Broadcast(input.Shape, output.Shape), output);
        return output;
    }

    public override Tensor? Backward(Tensor outputGrad)
    {
        if (!InputGradRequired) return null;
        var inputGrad = Reuse(ref _inputGrad, InputShape.WithBatch(outputGrad.Shape.N));
        Backend.Elementwise.SumTo(outputGrad, inputGrad);
        return inputGrad;
    }

    public override void WriteConfig(JsonObject config) => config["shape"] = Json.Ints([.. SampleShape]);

    public override string ToString() => $"Expand(-1, {string.Join(", ", SampleShape)})";
}
