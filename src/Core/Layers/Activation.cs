using System.Text.Json.Nodes;
using MlNetConv.Backends;
using MlNetConv.Tensors;

namespace MlNetConv.Layers;

/// <summary>An element-wise activation layer; the math lives in its op struct. Output shape = input shape.</summary>
public abstract class Activation<TOp>(TOp op, string? name) : Layer(name) where TOp : struct, IActivationOp
{
    private Tensor? _input, _output, _inputGrad;

    protected TOp Op { get; } = op;

    protected override Shape OnBuild(Shape input) => input;

    public override LayerStats Stats => LayerStats.PerElement(OutputShape.Size);

    public override Tensor Forward(Tensor input, bool training)
    {
        CheckInput(input);
        var output = Reuse(ref _output, input.Shape);
        Backend.Activation.Forward(Op, input, output);
        _input = input;
        return output;
    }

    public override Tensor? Backward(Tensor outputGrad)
    {
        if (!InputGradRequired) return null;
        var input = Saved(_input, Name);
        var inputGrad = Reuse(ref _inputGrad, input.Shape);
        Backend.Activation.Backward(Op, input, Saved(_output, Name), outputGrad, inputGrad);
        return inputGrad;
    }

    public override void WriteConfig(JsonObject config) { }
}

/// <summary>Rectified linear unit, max(0, x).</summary>
public sealed class ReLU(string? name = null) : Activation<ReluOp>(default, name);

/// <summary>Leaky ReLU: x for x > 0, negativeSlope * x otherwise.</summary>
public sealed class LeakyReLU(float negativeSlope = 0.01f, string? name = null) : Activation<LeakyReluOp>(new LeakyReluOp(negativeSlope), name)
{
    public float NegativeSlope => Op.Slope;
    public override void WriteConfig(JsonObject config) => config["negativeSlope"] = NegativeSlope;
    public override string ToString() => $"LeakyReLU({NegativeSlope})";
}

/// <summary>Hyperbolic tangent.</summary>
public sealed class Tanh(string? name = null) : Activation<TanhOp>(default, name);

/// <summary>LeCun's scaled tanh, 1.7159 tanh(2x/3), the squashing function of LeNet-5.</summary>
public sealed class ScaledTanh(string? name = null) : Activation<ScaledTanhOp>(default, name);

/// <summary>Logistic sigmoid.</summary>
public sealed class Sigmoid(string? name = null) : Activation<SigmoidOp>(default, name);

/// <summary>x clamped to [minVal, maxVal]: PyTorch's Hardtanh (default [-1, 1]), ReLU6 as Hardtanh(0, 6), ONNX's Clip.</summary>
public sealed class Hardtanh : Activation<HardtanhOp>
{
    public Hardtanh(float minVal = -1f, float maxVal = 1f, string? name = null) : base(new HardtanhOp(minVal, maxVal), name)
    {
        if (!(minVal <= maxVal)) throw new ArgumentException($"Hardtanh: min_val must not exceed max_val, got {minVal} and {maxVal}.");
    }

    public float MinVal => Op.Min;
    public float MaxVal => Op.Max;

    public override void WriteConfig(JsonObject config)
    {
        config["minVal"] = MinVal;
        config["maxVal"] = MaxVal;
    }

    public override string ToString() => MinVal == 0f && MaxVal == 6f ? "ReLU6()" : $"Hardtanh(min_val={MinVal}, max_val={MaxVal})";
}

/// <summary>x^exponent element by element (exponent ½: square root, -1: reciprocal); what exporters decompose layers into.</summary>
public sealed class Power(float exponent, string? name = null) : Activation<PowerOp>(new PowerOp(exponent), name)
{
    public float Exponent => Op.Exponent;
    public override void WriteConfig(JsonObject config) => config["exponent"] = Exponent;
    public override string ToString() => $"Power({Exponent})";
}
