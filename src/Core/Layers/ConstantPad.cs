using System.Text.Json.Nodes;
using MlNetConv.Geometry;
using MlNetConv.Tensors;

namespace MlNetConv.Layers;

/// <summary>
/// Pads every spatial axis of (N, C, spatial...) with a constant (PyTorch's ConstantPad1d/2d/3d, ONNX's Pad in constant
/// mode): <see cref="Begin"/>[i] values before axis i and <see cref="End"/>[i] after it (D, H, W order, W last); output
/// (N, C, spatial[i] + begin[i] + end[i]...). A negative count crops that many elements instead, as ONNX's Pad does.
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
        Begin = (int[])begin.Clone();
        End = (int[])end.Clone();
        Value = value;
    }

    public IReadOnlyList<int> Begin { get; }
    public IReadOnlyList<int> End { get; }
    public float Value { get; }

    /// <summary>Where the kept input starts in the input (cropped begins) and in the output (padded begins).</summary>
    private Int3 InputStart => Int3.FromSpatial(Begin.Select(b => Math.Max(0, -b)).ToArray(), fill: 0);
    private Int3 OutputStart => Int3.FromSpatial(Begin.Select(b => Math.Max(0, b)).ToArray(), fill: 0);

    /// <summary>The input box that survives the cropping.</summary>
    private Int3 Kept(Shape input) =>
        Int3.FromSpatial(input.Skip(2).Select((d, i) => d - Math.Max(0, -Begin[i]) - Math.Max(0, -End[i])).ToArray());

    protected override Shape OnBuild(Shape input)
    {
        if (input.SpatialRank != Begin.Count)
            throw new ArgumentException($"Layer '{Name}' (ConstantPad): padding of {Begin.Count} spatial axes needs input of rank {Begin.Count + 2}, got {input}.");
        var spatial = input.Skip(2).Select((d, i) => (long)d + Begin[i] + End[i]).ToArray();
        if (Kept(input).Volume <= 0 || spatial.Any(d => d <= 0 || d > int.MaxValue))
            throw new ArgumentException($"Layer '{Name}' (ConstantPad): {this} leaves nothing of input {input}.");
        return new Shape([input.N, input.C, .. spatial.Select(d => (int)d)]);
    }

    public override LayerStats Stats => LayerStats.None;

    public override Tensor Forward(Tensor input, bool training)
    {
        CheckInput(input);
        var output = Reuse(ref _output, OutputShape.WithBatch(input.Shape.N));
        Backend.Elementwise.Fill(output, Value);
        Backend.Elementwise.CopyRegion(input, InputStart, output, OutputStart, Kept(input.Shape));
        _inputShape = input.Shape;
        return output;
    }

    public override Tensor? Backward(Tensor outputGrad)
    {
        if (!InputGradRequired) return null;
        var inputGrad = Reuse(ref _inputGrad, _inputShape);
        if (Begin.Concat(End).Any(p => p < 0)) Backend.Elementwise.Fill(inputGrad, 0f);
        Backend.Elementwise.CopyRegion(outputGrad, OutputStart, inputGrad, InputStart, Kept(_inputShape));
        return inputGrad;
    }

    public override void WriteConfig(JsonObject config)
    {
        config["begin"] = Json.Ints([.. Begin]);
        config["end"] = Json.Ints([.. End]);
        config["value"] = Value;
    }

    public override string ToString() =>
        $"ConstantPad(({string.Join(", ", Begin.Zip(End, (b, e) => $"{b}, {e}"))}){(Value != 0f ? $", value={Value}" : "")})";
}
