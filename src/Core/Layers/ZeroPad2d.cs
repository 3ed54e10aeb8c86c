using System.Text.Json.Nodes;
using MlNetConv.Geometry;
using MlNetConv.Tensors;

namespace MlNetConv.Layers;

/// <summary>
/// Zero padding of (N, C, H, W) as PyTorch's ZeroPad2d: <see cref="Left"/> and <see cref="Right"/> columns,
/// <see cref="Top"/> and <see cref="Bottom"/> rows of zeros; output (N, C, H + top + bottom, W + left + right). Aligns
/// a skip connection with a larger map (the counterpart of <see cref="CropTo"/>).
/// </summary>
public sealed class ZeroPad2d : Layer
{
    private Tensor? _output, _inputGrad;
    private Shape _inputShape;

    public ZeroPad2d(int padding, string? name = null) : this(padding, padding, padding, padding, name) { }

    public ZeroPad2d(int left, int right, int top, int bottom, string? name = null) : base(name)
    {
        if (left < 0 || right < 0 || top < 0 || bottom < 0)
            throw new ArgumentException($"ZeroPad2d: padding must be >= 0, got (left {left}, right {right}, top {top}, bottom {bottom}).");
        (Left, Right, Top, Bottom) = (left, right, top, bottom);
    }

    public int Left { get; }
    public int Right { get; }
    public int Top { get; }
    public int Bottom { get; }

    private Int3 Start => new(0, Top, Left);

    protected override Shape OnBuild(Shape input)
    {
        if (input.Rank != 4) throw new ArgumentException($"Layer '{Name}' (ZeroPad2d): expected input (N, C, H, W), got {input}.");
        return new Shape(input.N, input.C, input[2] + Top + Bottom, input[3] + Left + Right);
    }

    public override Tensor Forward(Tensor input, bool training)
    {
        CheckInput(input);
        var output = Reuse(ref _output, OutputShape.WithBatch(input.Shape.N));
        Backend.Elementwise.Fill(output, 0f);
        Backend.Elementwise.CopyRegion(input, default, output, Start, new Int3(1, input.Shape[2], input.Shape[3]));
        _inputShape = input.Shape;
        return output;
    }

    public override Tensor? Backward(Tensor outputGrad)
    {
        if (!InputGradRequired) return null;
        var inputGrad = Reuse(ref _inputGrad, _inputShape);
        Backend.Elementwise.CopyRegion(outputGrad, Start, inputGrad, default, new Int3(1, _inputShape[2], _inputShape[3]));
        return inputGrad;
    }

    public override void WriteConfig(JsonObject config) => config["padding"] = Json.Ints([Left, Right, Top, Bottom]);

    public override string ToString() =>
        Left == Right && Right == Top && Top == Bottom ? $"ZeroPad2d({Left})" : $"ZeroPad2d(({Left}, {Right}, {Top}, {Bottom}))";
}
