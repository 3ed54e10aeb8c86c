using System.Text.Json.Nodes;
using MlNetConv.Tensors;

namespace MlNetConv.Layers;

/// <summary>
/// Elements [<see cref="Start"/>, Start + <see cref="Length"/>) of one axis after the batch (PyTorch's <c>narrow</c>):
/// ONNX's Split (several Narrows reading one tensor) and Slice of a computed tensor. Input (N, d1, ..., dk), output the same
/// with d_dim = Length. Backward puts the output gradient at its place in zeros.
/// </summary>
public sealed class Narrow : Layer
{
    private Tensor? _output, _inputGrad;

    /// <param name="dim">the axis, 1 (channels) or later; the batch (0) is never narrowed</param>
    public Narrow(int dim, int start, int length, string? name = null) : base(name)
    {
        if (dim < 1) throw new ArgumentException($"Narrow: dim must be an axis after the batch (>= 1), got {dim}.");
        if (start < 0 || length < 1) throw new ArgumentException($"Narrow: needs start >= 0 and length >= 1, got start {start} and length {length}.");
        (Dim, Start, Length) = (dim, start, length);
    }

    public int Dim { get; }
    public int Start { get; }
    public int Length { get; }

    protected override Shape OnBuild(Shape input)
    {
        AxisView.Check(input, Dim, $"Layer '{Name}' (Narrow)");
        if ((long)Start + Length > input[Dim])
            throw new ArgumentException($"Layer '{Name}' (Narrow): elements [{Start}, {(long)Start + Length}) of dim {Dim} do not fit input {input}, whose extent there is {input[Dim]}.");
        var dims = input.ToArray();
        dims[Dim] = Length;
        return new Shape(dims);
    }

    public override Tensor Forward(Tensor input, bool training)
    {
        CheckInput(input);
        var output = Reuse(ref _output, OutputShape.WithBatch(input.Shape.N));
        Backend.Elementwise.CopyChannels(AxisView.Of(input, Dim), Start, AxisView.Of(output, Dim), 0, Length);
        return output;
    }

    public override Tensor? Backward(Tensor outputGrad)
    {
        if (!InputGradRequired) return null;
        var inputGrad = Reuse(ref _inputGrad, InputShape.WithBatch(outputGrad.Shape.N));
        Backend.Elementwise.Fill(inputGrad, 0f);
        Backend.Elementwise.CopyChannels(AxisView.Of(outputGrad, Dim), 0, AxisView.Of(inputGrad, Dim), Start, Length);
        return inputGrad;
    }

    public override void WriteConfig(JsonObject config)
    {
        config["dim"] = Dim;
        config["start"] = Start;
        config["length"] = Length;
    }

    public override string ToString() => $"Narrow(dim={Dim}, start={Start}, length={Length})";
}
