using System.Runtime.Intrinsics;
using MlNetConv.Tensors;

namespace MlNetConv.Backends.Cpu.Kernels;

/// <summary>
/// SGD and Adam updates, 16 parameters at a time in Vector512 lanes where the machine has them, the rest one at a time:
/// each lane does <see cref="OptimizerUpdates"/>' operations in its order (no fused multiply-adds), so the bits are the same.
/// </summary>
internal sealed class CpuOptimizerKernels : IOptimizerKernels
{
    public void SgdStep(Tensor parameter, Tensor grad, Tensor? velocity, float learningRate, float momentum, float weightDecay, bool nesterov)
    {
        var p = CpuData.Span(parameter);
        var g = CpuData.Span(grad);
        var v = velocity is null ? default : CpuData.Span(velocity);
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> lr = Vector512.Create(learningRate), mu = Vector512.Create(momentum), wd = Vector512.Create(weightDecay);
            for (; i <= p.Length - 16; i += 16)
            {
                var w = Vector512.Create(p[i..]);
                var d = Vector512.Create(g[i..]) + wd * w;
                if (momentum != 0f)
                {
                    var velocityLanes = mu * Vector512.Create(v[i..]) + d;
                    velocityLanes.CopyTo(v[i..]);
                    d = nesterov ? d + mu * velocityLanes : velocityLanes;
                }
                (w - lr * d).CopyTo(p[i..]);
            }
        }
        float noVelocity = 0f; // written only with momentum, which has a velocity
        for (; i < p.Length; i++)
            OptimizerUpdates.Sgd(ref p[i], g[i], ref momentum != 0f ? ref v[i] : ref noVelocity, learningRate, momentum, weightDecay, nesterov);
    }

    public void AdamStep(Tensor parameter, Tensor grad, Tensor m, Tensor v, float learningRate, float beta1, float beta2,
        float epsilon, float weightDecay, bool decoupled, int step)
    {
        var p = CpuData.Span(parameter);
        var g = CpuData.Span(grad);
        var ms = CpuData.Span(m);
        var vs = CpuData.Span(v);
        var (correction1, correction2) = OptimizerUpdates.AdamCorrections(beta1, beta2, step);
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> lr = Vector512.Create(learningRate), wd = Vector512.Create(weightDecay), lrwd = Vector512.Create(learningRate * weightDecay);
            Vector512<float> b1 = Vector512.Create(beta1), b2 = Vector512.Create(beta2), c1 = Vector512.Create(correction1), c2 = Vector512.Create(correction2);
            Vector512<float> ob1 = Vector512.Create(1 - beta1), ob2 = Vector512.Create(1 - beta2), eps = Vector512.Create(epsilon);
            for (; i <= p.Length - 16; i += 16)
            {
                var w = Vector512.Create(p[i..]);
                var d = Vector512.Create(g[i..]);
                if (decoupled) w -= lrwd * w;
                else d += wd * w;
                var first = b1 * Vector512.Create(ms[i..]) + ob1 * d;
                var second = b2 * Vector512.Create(vs[i..]) + ob2 * d * d;
                first.CopyTo(ms[i..]);
                second.CopyTo(vs[i..]);
                (w - lr * (first / c1) / (Vector512.Sqrt(second / c2) + eps)).CopyTo(p[i..]);
            }
        }
        for (; i < p.Length; i++)
            OptimizerUpdates.Adam(ref p[i], g[i], ref ms[i], ref vs[i], learningRate, beta1, beta2, epsilon, weightDecay, decoupled, correction1, correction2);
    }
}
