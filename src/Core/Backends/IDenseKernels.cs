using MlNetConv.Tensors;

namespace MlNetConv.Backends;

/// <summary>Fully connected layers: output = input · weightᵀ + bias (PyTorch's weight layout (Out, In)).</summary>
public interface IDenseKernels
{
    /// <param name="input">(N, In)</param>
    /// <param name="weight">(Out, In)</param>
    /// <param name="bias">(Out) or null</param>
    /// <param name="output">(N, Out), overwritten</param>
    void Forward(Tensor input, Tensor weight, Tensor? bias, Tensor output);

    /// <summary>inputGrad (N, In) = outputGrad (N, Out) · weight (Out, In), overwritten.</summary>
    void BackwardData(Tensor outputGrad, Tensor weight, Tensor inputGrad);

    /// <summary>weightGrad (Out, In) += outputGradᵀ · input; biasGrad (Out) += column sums of outputGrad.</summary>
    void BackwardWeights(Tensor input, Tensor outputGrad, Tensor weightGrad, Tensor? biasGrad);
}
