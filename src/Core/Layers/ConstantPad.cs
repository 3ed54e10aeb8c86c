using System.Text.Json.Nodes;
using MlNetConv.Geometry;
using MlNetConv.Tensors;

namespace MlNetConv.Layers;

/// <summary>
/// Pads every spatial axis of (N, C, spatial...) with a constant (PyTorch's ConstantPad1d/2d/3d, ONNX's Pad in constant
/// mode): <see cref="Begin"/>[i] values before axis i and <see cref="End"/>[i] after it (D, H, W order, W last); output
/// (N, C, spatial[i] + begin[i] + end[i]...).
/// </summary>
public sealed class ConstantPad : Layer
{
    private Tensor? _output, _inputGrad;
    private Shape _inputShape;

    public ConstantPad(int[] begin, int[] end, float value = 0f, string? name = null) : base(name)
    {
        ArgumentNullException.ThrowIfNull(begin);
        ArgumentNullException.ThrowIfNull(end);
        if (begin.Length is < 1 or > 3 || begin.Length != end.Length)
            throw new ArgumentException($"ConstantPad: begin and end need one value per spatial axis (1..3), got {begin.Length} and {end.Length}.");
        if (begin.Concat(end).Any(p => p < 0))
            throw new ArgumentException($"ConstantPad: padding must be >= 0, got begin ({string.Join(", ", begin)}) and end ({string.Join(", ", end)}).");
        Begin = (int[])begin.Clone();
        End = (int[])end.Clone();
        Value = value;
    }

    public IReadOnlyList<int> Begin { get; }
    public IReadOnlyList<int> End { get; }
    public float Value { get; }

    private Int3 Start => Int3.FromSpatial([.. Begin], fill: 0);

    protected override Shape OnBuild(Shape input)
    {
        if (input.SpatialRank != Begin.Count)
            throw new ArgumentException($"Layer '{Name}' (ConstantPad): padding of {Begin.Count} spatial axes needs input of rank {Begin.Count + 2}, got {input}.");
        return new Shape([input.N, input.C, .. input.Skip(2).Select((d, i) => d + Begin[i] + End[i])]);
    }

    public override LayerStats Stats => LayerStats.None;

    public override Tensor Forward(Tensor input, bool training)
    {
        CheckInput(input);
        var output = Reuse(ref _output, OutputShape.WithBatch(input.Shape.N));
        Backend.Elementwise.Fill(output, Value);
        Backend.Elementwise.CopyRegion(input, default, output, Start, Extent(input.Shape));
        _inputShape = input.Shape;
        return output;
    }

    public override Tensor? Backward(Tensor outputGrad)
    {
        if (!InputGradRequired) return null;
        var inputGrad = Reuse(ref _inputGrad, _inputShape);
        Backend.Elementwise.CopyRegion(outputGrad, Start, inputGrad, default, Extent(_inputShape));
        return inputGrad;
    }

    private static Int3 Extent(Shape input) => Int3.FromSpatial(input.Skip(2).ToArray());

    public override void WriteConfig(JsonObject config)
    {
        config["begin"] = Json.Ints([.. Begin]);
        config["end"] = Json.Ints([.. End]);
        config["value"] = Value;
    }

    public override string ToString() =>
        $"ConstantPad(({string.Join(", ", Begin.Zip(End, (b, e) => $"{b}, {e}"))}){(Value != 0f ? $", value={Value}" : "")})";
}
