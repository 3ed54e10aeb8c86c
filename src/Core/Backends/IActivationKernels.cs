using MlNetConv.Tensors;

namespace MlNetConv.Backends;

/// <summary>
/// One element-wise activation: the forward value and the derivative. One struct per function, so the CPU loop
/// and a GPU kernel share the same math.
/// </summary>
public interface IActivationOp
{
    float Forward(float x);

    /// <summary>dL/dx given x, y = Forward(x) and dL/dy.</summary>
    float Backward(float x, float y, float outputGrad);
}

public interface IActivationKernels
{
    /// <summary>output = op(input); input and output have the same shape.</summary>
    void Forward<TOp>(TOp op, Tensor input, Tensor output) where TOp : struct, IActivationOp;

    /// <summary>inputGrad = op'(input) * outputGrad, overwritten.</summary>
    void Backward<TOp>(TOp op, Tensor input, Tensor output, Tensor outputGrad, Tensor inputGrad) where TOp : struct, IActivationOp;
}
