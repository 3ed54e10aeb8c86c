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
    public float Forward(float x) => MathF.Tanh(x);
    public float Backward(float x, float y, float outputGrad) => (1f - y * y) * outputGrad;
}

/// <summary>LeCun's scaled tanh: A tanh(S x) with A = 1.7159, S = 2/3, so f(±1) = ±1 (LeCun et al. 1998, appendix A).</summary>
public readonly struct ScaledTanhOp : IActivationOp
{
    public const float Amplitude = 1.7159f, Slope = 2f / 3f;
    public float Forward(float x) => Amplitude * MathF.Tanh(Slope * x);
    public float Backward(float x, float y, float outputGrad)
    {
        float t = y / Amplitude;
        return Amplitude * Slope * (1f - t * t) * outputGrad;
    }
}

/// <summary>1 / (1 + exp(-x)).</summary>
public readonly struct SigmoidOp : IActivationOp
{
    public float Forward(float x) => 1f / (1f + MathF.Exp(-x));
    public float Backward(float x, float y, float outputGrad) => y * (1f - y) * outputGrad;
}
