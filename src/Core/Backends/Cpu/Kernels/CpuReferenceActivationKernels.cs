using MlNetConv.Tensors;

namespace MlNetConv.Backends.Cpu.Kernels;

/// <summary>Element-wise activations through their op structs, one element at a time: the reference of <see cref="CpuActivationKernels"/>.</summary>
internal class CpuReferenceActivationKernels : IActivationKernels
{
    public virtual void Forward<TOp>(TOp op, Tensor input, Tensor output) where TOp : struct, IActivationOp
    {
        var x = CpuData.Span(input);
        var y = CpuData.Span(output);
        for (int i = 0; i < x.Length; i++) y[i] = op.Forward(x[i]);
    }

    public virtual void Backward<TOp>(TOp op, Tensor input, Tensor output, Tensor outputGrad, Tensor inputGrad) where TOp : struct, IActivationOp
    {
        var x = CpuData.Span(input);
        var y = CpuData.Span(output);
        var dy = CpuData.Span(outputGrad);
        var dx = CpuData.Span(inputGrad);
        for (int i = 0; i < x.Length; i++) dx[i] = op.Backward(x[i], y[i], dy[i]);
    }
}
