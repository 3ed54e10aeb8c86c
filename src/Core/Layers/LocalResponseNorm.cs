using System.Text.Json.Nodes;
using MlNetConv.Geometry;
using MlNetConv.Tensors;

namespace MlNetConv.Layers;

/// <summary>
/// Local response normalization across channels (Krizhevsky et al. 2012):
/// b_c = a_c / (k + α Σ_{c' = c - n/2}^{c + (n-1)/2} a_c'^2)^β, with AlexNet's k = 2, n = 5, α = 1e-4, β = 0.75.
/// With <paramref name="alphaOverSize"/> α is divided by n, as PyTorch and ONNX define it. An even window leans back
/// (n/2 channels before c, PyTorch's) unless <paramref name="before"/> says how many channels before c it takes (ONNX's
/// ⌊(n-1)/2⌋, <see cref="ChannelWindow.Onnx"/>).
/// </summary>
public sealed class LocalResponseNorm(int size = 5, float alpha = 1e-4f, float beta = 0.75f, float k = 2f, bool alphaOverSize = false,
    string? name = null, int? before = null) : Layer(name)
{
    private Tensor? _input, _output, _scale, _inputGrad;

    public int Size { get; } = size > 0 ? size : throw new ArgumentException($"LocalResponseNorm: size must be positive, got {size}.");
    public float Alpha { get; } = alpha;
    public float Beta { get; } = beta;
    public float K { get; } = k;
    public bool AlphaOverSize { get; } = alphaOverSize;

    /// <summary>The channels summed for each channel.</summary>
    public ChannelWindow Window { get; } = before is not { } b ? ChannelWindow.PyTorch(size)
        : b >= 0 && b < size ? new ChannelWindow(size, b)
        : throw new ArgumentException($"LocalResponseNorm: the window of {size} channels cannot take {b} before the channel (0..{size - 1}).");

    private float EffectiveAlpha => AlphaOverSize ? Alpha / Size : Alpha;

    protected override Shape OnBuild(Shape input) => input;

    public override LayerStats Stats => LayerStats.PerElement(OutputShape.Size, Size);

    public override Tensor Forward(Tensor input, bool training)
    {
        CheckInput(input);
        var output = Reuse(ref _output, input.Shape);
        var scale = Reuse(ref _scale, input.Shape);
        Backend.Normalization.LocalResponseNormForward(input, Window, EffectiveAlpha, Beta, K, output, scale);
        _input = input;
        return output;
    }

    public override Tensor? Backward(Tensor outputGrad)
    {
        if (!InputGradRequired) return null;
        var input = Saved(_input, Name);
        var inputGrad = Reuse(ref _inputGrad, input.Shape);
        Backend.Normalization.LocalResponseNormBackward(input, _output!, _scale!, outputGrad, Window, EffectiveAlpha, Beta, inputGrad);
        return inputGrad;
    }

    public override void WriteConfig(JsonObject config)
    {
        config["size"] = Size;
        config["alpha"] = Alpha;
        config["beta"] = Beta;
        config["k"] = K;
        config["alphaOverSize"] = AlphaOverSize;
        config["before"] = Window.Before;
    }

    public override string ToString() =>
        $"LocalResponseNorm({Size}, alpha={Alpha}, beta={Beta}, k={K}{(Window != ChannelWindow.PyTorch(Size) ? $", before={Window.Before}" : "")})";
}
