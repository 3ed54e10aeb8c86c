using ILGPU;
using ILGPU.Runtime;
using MlNetConv.Backends;
using MlNetConv.Tensors;

namespace MlNetConv.Gpu.Kernels;

/// <summary>SGD and Adam updates, one thread per parameter element (grid-stride), same formulas as the CPU kernels.</summary>
internal sealed class GpuOptimizerKernels : IOptimizerKernels
{
    private readonly GpuBackend _b;
    private readonly Action<Index1D, int, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, SgdParams> _sgd;
    private readonly Action<Index1D, int, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, AdamParams> _adam;

    public GpuOptimizerKernels(GpuBackend backend)
    {
        _b = backend;
        _sgd = backend.Accelerator.LoadAutoGroupedStreamKernel<Index1D, int, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, SgdParams>(SgdKernel);
        _adam = backend.Accelerator.LoadAutoGroupedStreamKernel<Index1D, int, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, AdamParams>(AdamKernel);
    }

    public void SgdStep(Tensor parameter, Tensor grad, Tensor? velocity, float learningRate, float momentum, float weightDecay, bool nesterov)
    {
        if (momentum != 0f && velocity is null) throw new ArgumentException("SGD with momentum needs a velocity tensor.", nameof(velocity));
        _b.Bind();
        int n = parameter.Size, t = _b.Threads(n);
        var p = GpuData.Of(parameter);
        if (n > 0) _sgd(t, n, t, p, GpuData.Of(grad), velocity is null ? p : GpuData.Of(velocity),
            new SgdParams(learningRate, momentum, weightDecay, nesterov ? 1 : 0));
    }

    public void AdamStep(Tensor parameter, Tensor grad, Tensor m, Tensor v, float learningRate, float beta1, float beta2,
        float epsilon, float weightDecay, bool decoupled, int step)
    {
        _b.Bind();
        int n = parameter.Size, t = _b.Threads(n);
        float correction1 = 1f - MathF.Pow(beta1, step), correction2 = 1f - MathF.Pow(beta2, step);
        if (n > 0) _adam(t, n, t, GpuData.Of(parameter), GpuData.Of(grad), GpuData.Of(m), GpuData.Of(v),
            new AdamParams(learningRate, beta1, beta2, epsilon, weightDecay, decoupled ? 1 : 0, correction1, correction2));
    }

    internal readonly record struct SgdParams(float LearningRate, float Momentum, float WeightDecay, int Nesterov);

    internal readonly record struct AdamParams(float LearningRate, float Beta1, float Beta2, float Epsilon, float WeightDecay, int Decoupled,
        float Correction1, float Correction2);

    // velocity aliases the parameter when momentum is 0 and is then never touched.
    private static void SgdKernel(Index1D t, int n, int stride, ArrayView<float> p, ArrayView<float> g, ArrayView<float> v, SgdParams o)
    {
        for (int i = t; i < n; i += stride)
        {
            float d = g[i] + o.WeightDecay * p[i];
            if (o.Momentum != 0f)
            {
                float vi = o.Momentum * v[i] + d;
                v[i] = vi;
                d = o.Nesterov != 0 ? d + o.Momentum * vi : vi;
            }
            p[i] -= o.LearningRate * d;
        }
    }

    private static void AdamKernel(Index1D t, int n, int stride, ArrayView<float> p, ArrayView<float> g, ArrayView<float> m, ArrayView<float> v, AdamParams o)
    {
        for (int i = t; i < n; i += stride)
        {
            float d = g[i], pi = p[i];
            if (o.Decoupled != 0) pi -= o.LearningRate * o.WeightDecay * pi;
            else d += o.WeightDecay * pi;
            float mi = o.Beta1 * m[i] + (1 - o.Beta1) * d;
            float vi = o.Beta2 * v[i] + (1 - o.Beta2) * d * d;
            m[i] = mi;
            v[i] = vi;
            p[i] = pi - o.LearningRate * (mi / o.Correction1) / (MathF.Sqrt(vi / o.Correction2) + o.Epsilon);
        }
    }
}
