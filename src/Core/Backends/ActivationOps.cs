namespace MlNetConv.Backends;

/// <summary>max(0, x).</summary>
public readonly struct ReluOp : IActivationOp
{
    public float Forward(float x) => x < 0f ? 0f : x; // NaN passes through, as in PyTorch, so divergence is seen
    public float Backward(float x, float y, float outputGrad) => x > 0f ? outputGrad : 0f;
}

/// <summary>x for x > 0, slope * x otherwise.</summary>
public readonly struct LeakyReluOp(float slope) : IActivationOp
{
    public float Slope { get; } = slope;
    public float Forward(float x) => x < 0f ? Slope * x : x;
    public float Backward(float x, float y, float outputGrad) => x > 0f ? outputGrad : Slope * outputGrad;
}

/// <summary>tanh(x).</summary>
public readonly struct TanhOp : IActivationOp
{
    public float Forward(float x) => Tanh(x);
    public float Backward(float x, float y, float outputGrad) => Sech2(x) * outputGrad;

    /// <summary>
    /// tanh to within a few float ulps on every backend, from the exponential alone: GPU compilers' own tanh is an
    /// approximation (some 1e-5 relative). Below |x| = 0.5, where (1 - e^-2|x|) would cancel, Lambert's continued
    /// fraction x / (1 + x²/(3 + x²/(5 + x²/(7 + x²/9)))), whose truncation error there is below 1e-9; above,
    /// (1 - t) / (1 + t) with t = e^-2|x|, which has no cancellation and saturates to ±1. NaN stays NaN.
    /// </summary>
    public static float Tanh(float x)
    {
        float a = MathF.Abs(x), r;
        if (a < 0.5f)
        {
            float x2 = a * a;
            r = a / (1f + x2 / (3f + x2 / (5f + x2 / (7f + x2 / 9f))));
        }
        else
        {
            float t = MathF.Exp(-2f * a);
            r = (1f - t) / (1f + t);
        }
        return x < 0f ? -r : r;
    }

    /// <summary>
    /// d tanh(x)/dx = 1 - tanh²(x) = sech²(x) = 4t / (1 + t)² with t = e^-2|x|: from x, because 1 - y² cancels where
    /// |y| nears 1 and turns a one-ulp difference in y (between two backends' exponentials) into a large relative one.
    /// </summary>
    public static float Sech2(float x)
    {
        float t = MathF.Exp(-2f * MathF.Abs(x)), d = 1f + t;
        return 4f * t / (d * d);
    }
}

/// <summary>LeCun's scaled tanh: A tanh(S x) with A = 1.7159, S = 2/3, so f(±1) = ±1 (LeCun et al. 1998, appendix A).</summary>
public readonly struct ScaledTanhOp : IActivationOp
{
    public const float Amplitude = 1.7159f, Slope = 2f / 3f;
    public float Forward(float x) => Amplitude * TanhOp.Tanh(Slope * x);
    public float Backward(float x, float y, float outputGrad) => Amplitude * Slope * TanhOp.Sech2(Slope * x) * outputGrad;
}

/// <summary>1 / (1 + exp(-x)).</summary>
public readonly struct SigmoidOp : IActivationOp
{
    public float Forward(float x) => 1f / (1f + MathF.Exp(-x));
    public float Backward(float x, float y, float outputGrad) => y * (1f - y) * outputGrad;
}

/// <summary>x clamped to [min, max] (PyTorch's Hardtanh, ReLU6 with [0, 6], ONNX's Clip); the gradient passes strictly inside.</summary>
public readonly struct HardtanhOp(float min, float max) : IActivationOp
{
    public float Min { get; } = min;
    public float Max { get; } = max;
    public float Forward(float x) => x < Min ? Min : x > Max ? Max : x; // NaN passes through
    public float Backward(float x, float y, float outputGrad) => x > Min && x < Max ? outputGrad : 0f;
}

/// <summary>x^p for a constant exponent (ONNX's Pow with a constant, Sqrt as p = ½, Reciprocal as p = -1).</summary>
public readonly struct PowerOp(float exponent) : IActivationOp
{
    public float Exponent { get; } = exponent;
    public float Forward(float x) => MathF.Pow(x, Exponent);
    public float Backward(float x, float y, float outputGrad) => Exponent * MathF.Pow(x, Exponent - 1f) * outputGrad;
}
