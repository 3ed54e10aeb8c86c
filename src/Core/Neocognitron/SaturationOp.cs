using MlNetConv.Backends;

namespace MlNetConv.Neocognitron;

/// <summary>
/// The C-cells' saturation ψ(x) = φ(x) / (1 + φ(x)), φ(x) = max(x, 0) (Fukushima 2003, "Neocognitron for handwritten
/// digit recognition", Neurocomputing 51: the C-cell output function): zero for inhibition, then rising towards 1.
/// </summary>
public readonly struct SaturationOp : IActivationOp
{
    public float Forward(float x) => x > 0f ? x / (1f + x) : 0f;

    public float Backward(float x, float y, float outputGrad) => x > 0f ? outputGrad / ((1f + x) * (1f + x)) : 0f;
}
