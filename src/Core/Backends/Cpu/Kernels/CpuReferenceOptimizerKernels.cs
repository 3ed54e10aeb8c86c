using MlNetConv.Tensors;

namespace MlNetConv.Backends.Cpu.Kernels;

/// <summary>SGD and Adam one parameter at a time through <see cref="OptimizerUpdates"/>: the reference of <see cref="CpuOptimizerKernels"/>.</summary>
internal sealed class CpuReferenceOptimizerKernels : IOptimizerKernels
{
    public void SgdStep(Tensor parameter, Tensor grad, Tensor? velocity, float learningRate, float momentum, float weightDecay, bool nesterov)
    {
        var p = CpuData.Span(parameter); // any shape, P elements
        var g = CpuData.Span(grad);      // like parameter
        var v = velocity is null ? new float[p.Length] : CpuData.Span(velocity); // like parameter; a scratch one when there is none
        for (int i = 0; i < p.Length; i++)
            OptimizerUpdates.Sgd(ref p[i], g[i], ref v[i], learningRate, momentum, weightDecay, nesterov);
    }

    public void AdamStep(Tensor parameter, Tensor grad, Tensor m, Tensor v, float learningRate, float beta1, float beta2,
        float epsilon, float weightDecay, bool decoupled, int step)
    {
        var p = CpuData.Span(parameter); // any shape, P elements
        var g = CpuData.Span(grad);      // like parameter
        var first = CpuData.Span(m);     // like parameter
        var second = CpuData.Span(v);    // like parameter
        var (correction1, correction2) = OptimizerUpdates.AdamCorrections(beta1, beta2, step);
        for (int i = 0; i < p.Length; i++)
            OptimizerUpdates.Adam(ref p[i], g[i], ref first[i], ref second[i], learningRate, beta1, beta2, epsilon, weightDecay, decoupled, correction1, correction2);
    }
}
