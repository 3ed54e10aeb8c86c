using MlNetConv.Tensors;

namespace MlNetConv.Backends.Cpu.Kernels;

/// <summary>Reference SGD and Adam updates.</summary>
internal sealed class CpuOptimizerKernels : IOptimizerKernels
{
    public void SgdStep(Tensor parameter, Tensor grad, Tensor? velocity, float learningRate, float momentum, float weightDecay, bool nesterov)
    {
        var p = CpuData.Span(parameter);
        var g = CpuData.Span(grad);
        var v = velocity is null ? default : CpuData.Span(velocity);
        for (int i = 0; i < p.Length; i++)
        {
            float d = g[i] + weightDecay * p[i];
            if (momentum != 0f)
            {
                v[i] = momentum * v[i] + d;
                d = nesterov ? d + momentum * v[i] : v[i];
            }
            p[i] -= learningRate * d;
        }
    }

    public void AdamStep(Tensor parameter, Tensor grad, Tensor m, Tensor v, float learningRate, float beta1, float beta2,
        float epsilon, float weightDecay, bool decoupled, int step)
    {
        var p = CpuData.Span(parameter);
        var g = CpuData.Span(grad);
        var ms = CpuData.Span(m);
        var vs = CpuData.Span(v);
        float correction1 = 1f - MathF.Pow(beta1, step), correction2 = 1f - MathF.Pow(beta2, step);
        for (int i = 0; i < p.Length; i++)
        {
            float d = g[i];
            if (decoupled) p[i] -= learningRate * weightDecay * p[i];
            else d += weightDecay * p[i];
            ms[i] = beta1 * ms[i] + (1 - beta1) * d;
            vs[i] = beta2 * vs[i] + (1 - beta2) * d * d;
            p[i] -= learningRate * (ms[i] / correction1) / (MathF.Sqrt(vs[i] / correction2) + epsilon);
        }
    }
}
