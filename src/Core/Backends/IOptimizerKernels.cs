using MlNetConv.Tensors;

namespace MlNetConv.Backends;

/// <summary>Parameter updates, one call per parameter tensor.</summary>
public interface IOptimizerKernels
{
    /// <summary>
    /// PyTorch's SGD: g = grad + weightDecay * p; v = momentum * v + g; p -= lr * (nesterov ? g + momentum * v : v)
    /// (without momentum: p -= lr * g; velocity may be null).
    /// </summary>
    void SgdStep(Tensor parameter, Tensor grad, Tensor? velocity, float learningRate, float momentum, float weightDecay, bool nesterov);

    /// <summary>
    /// Adam (decoupled = false: L2 added to the gradient) or AdamW (decoupled = true: p -= lr * weightDecay * p).
    /// step counts from 1 and drives the bias correction.
    /// </summary>
    void AdamStep(Tensor parameter, Tensor grad, Tensor m, Tensor v, float learningRate, float beta1, float beta2,
        float epsilon, float weightDecay, bool decoupled, int step);
}
