using MlNetConv.Tensors;

namespace MlNetConv.Losses;

/// <summary>
/// A weighted sum of losses over several network outputs, e.g. GoogLeNet's main classifier plus two auxiliary heads
/// weighted 0.3 each. The reported loss is Σ weight_i · loss_i; each output's gradient is scaled by its weight.
/// </summary>
public sealed class WeightedSumLoss(params (ILoss Loss, float Weight)[] terms)
{
    public IReadOnlyList<(ILoss Loss, float Weight)> Terms { get; } = terms.Length > 0 ? terms : throw new ArgumentException("At least one loss term is needed.", nameof(terms));

    public (double Loss, Tensor?[] Gradients) Compute(IReadOnlyList<Tensor> outputs, Targets targets)
    {
        if (outputs.Count != Terms.Count)
            throw new ArgumentException($"The network has {outputs.Count} outputs but the loss has {Terms.Count} terms.");
        double total = 0;
        var grads = new Tensor?[outputs.Count];
        for (int i = 0; i < outputs.Count; i++)
        {
            var (loss, weight) = Terms[i];
            if (weight == 0f) continue;
            var r = loss.Compute(outputs[i], targets);
            total += weight * r.Loss;
            if (weight != 1f) r.Gradient.Backend.Elementwise.Scale(r.Gradient, weight);
            grads[i] = r.Gradient;
        }
        return (total, grads);
    }

    /// <summary>A single loss on a single output.</summary>
    public static WeightedSumLoss Single(ILoss loss) => new((loss, 1f));
}
