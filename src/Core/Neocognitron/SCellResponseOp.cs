using MlNetConv.Backends;

namespace MlNetConv.Neocognitron;

/// <summary>
/// The S-cell's shunting inhibition given its excitation e = Σ a·u_C and its inhibition h = b·v (Fukushima 2003, the
/// S-cell equation with threshold θ):
/// u_S = θ/(1−θ) · φ[(1 + e) / (1 + θ·h) − 1] = θ/(1−θ) · φ(e − θ·h) / (1 + θ·h), φ(x) = max(x, 0).
/// The second form is the one computed: it has no cancellation of two terms near 1.
/// </summary>
public readonly struct SCellResponseOp(float theta) : IBinaryOp
{
    public float Theta { get; } = theta;

    /// <param name="excitation">e = Σ_κ Σ_ν a(ν, κ, k)·u_C(n + ν, κ)</param>
    /// <param name="inhibition">h = b(k)·v(n), with v the V-cell's output</param>
    public float Apply(float excitation, float inhibition)
    {
        float shunt = Theta * inhibition;
        float drive = excitation - shunt;
        return drive > 0f ? Theta / (1f - Theta) * drive / (1f + shunt) : 0f;
    }
}
