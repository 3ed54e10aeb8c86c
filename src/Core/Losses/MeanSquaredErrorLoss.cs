using MlNetConv.Backends;
using MlNetConv.Tensors;

namespace MlNetConv.Losses;

/// <summary>Mean squared error over all elements: mean((output - target)^2).</summary>
public sealed class MeanSquaredErrorLoss : ILoss
{
    private Tensor? _gradient;

    public LossResult Compute(Tensor output, Targets targets)
    {
        var values = targets.Values ?? throw new ArgumentException("Mean squared error needs target values.");
        if (values.Shape != output.Shape)
            throw new ArgumentException($"Mean squared error: output {output.Shape} and target {values.Shape} differ.");
        var gradient = output.Backend.Reuse(ref _gradient, output.Shape);
        double sum = output.Backend.Loss.SquaredError(output, values, 1f / output.Size, gradient);
        return new LossResult(sum / output.Size, gradient);
    }
}
