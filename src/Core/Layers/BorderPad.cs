using System.Text.Json.Nodes;
using MlNetConv.Geometry;
using MlNetConv.Tensors;

namespace MlNetConv.Layers;

/// <summary>
/// Padding of every spatial axis of (N, C, spatial...) with values taken from the input's border: <see cref="Begin"/>[i]
/// elements before axis i and <see cref="End"/>[i] after it (D, H, W order, W last); output (N, C, spatial[i] + begin[i] +
/// end[i]...). What is copied is <see cref="ReflectionPad"/>'s mirror or <see cref="ReplicationPad"/>'s edge
/// (<see cref="BorderPadGeometry"/>); backward adds the gradient of every copy to the element it came from.
/// </summary>
public abstract class BorderPad : Layer
{
    private Tensor? _output, _inputGrad;
    private BorderPadGeometry _geometry;

    protected BorderPad(int[] begin, int[] end, BorderMode mode, string? name) : base(name)
    {
        ArgumentNullException.ThrowIfNull(begin);
        ArgumentNullException.ThrowIfNull(end);
        if (begin.Length is < 1 or > 3 || begin.Length != end.Length || begin.Concat(end).Any(p => p < 0))
            throw new ArgumentException($"{GetType().Name}: begin and end need one value >= 0 per spatial axis (1..3), got ({string.Join(", ", begin)}) and ({string.Join(", ", end)}).");
        Begin = (int[])begin.Clone();
        End = (int[])end.Clone();
        Mode = mode;
    }

    public IReadOnlyList<int> Begin { get; }
    public IReadOnlyList<int> End { get; }
    public BorderMode Mode { get; }

    protected override Shape OnBuild(Shape input)
    {
        _geometry = BorderPadGeometry.Create(input, Begin, End, Mode, $"Layer '{Name}' ({TypeName})");
        return _geometry.OutputShape(input);
    }

    public override LayerStats Stats => LayerStats.None;

    public override Tensor Forward(Tensor input, bool training)
    {
        CheckInput(input);
        var output = Reuse(ref _output, OutputShape.WithBatch(input.Shape.N));
        Backend.Elementwise.BorderPadForward(_geometry, input, output);
        return output;
    }

    public override Tensor? Backward(Tensor outputGrad)
    {
        if (!InputGradRequired) return null;
        var inputGrad = Reuse(ref _inputGrad, InputShape.WithBatch(outputGrad.Shape.N));
        Backend.Elementwise.BorderPadBackward(_geometry, outputGrad, inputGrad);
        return inputGrad;
    }

    public override void WriteConfig(JsonObject config)
    {
        config["begin"] = Json.Ints([.. Begin]);
        config["end"] = Json.Ints([.. End]);
    }

    public override string ToString() => $"{TypeName}(({string.Join(", ", Begin.Zip(End, (b, e) => $"{b}, {e}"))}))";
}
