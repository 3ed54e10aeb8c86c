using MlNetConv.Tensors;

namespace MlNetConv.Backends.Cpu.Kernels;

/// <summary>Element-wise activations through their op structs.</summary>
internal sealed class CpuActivationKernels : IActivationKernels
{
    public void Forward<TOp>(TOp op, Tensor input, Tensor output) where TOp : struct, IActivationOp
    {
        var x = CpuData.Span(input);
        var y = CpuData.Span(output);
        for (int i = 0; i < x.Length; i++) y[i] = op.Forward(x[i]);
    }

    public void Backward<TOp>(TOp op, Tensor input, Tensor output, Tensor outputGrad, Tensor inputGrad) where TOp : struct, IActivationOp
    {
        var x = CpuData.Span(input);
        var y = CpuData.Span(output);
        var dy = CpuData.Span(outputGrad);
        var dx = CpuData.Span(inputGrad);
        for (int i = 0; i < x.Length; i++) dx[i] = op.Backward(x[i], y[i], dy[i]);
    }
}
