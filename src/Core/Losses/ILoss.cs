using MlNetConv.Tensors;

namespace MlNetConv.Losses;

/// <summary>
/// A loss on one network output. Compute returns the mean loss and the gradient with respect to the output
/// (a tensor owned by the loss, overwritten by its next call).
/// </summary>
public interface ILoss
{
    LossResult Compute(Tensor output, Targets targets);
}

/// <param name="Loss">mean loss over the batch (weighted mean for class weights)</param>
/// <param name="Gradient">dLoss/dOutput, shaped like the output</param>
public readonly record struct LossResult(double Loss, Tensor Gradient);
