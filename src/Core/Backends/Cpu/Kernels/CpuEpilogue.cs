using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace MlNetConv.Backends.Cpu.Kernels;

/// <summary>
/// A <see cref="ConvolutionEpilogue"/> ready for the CPU kernels: per channel the running mean, 1/sqrt(var + eps), gamma
/// and beta (the expression of the batch-norm kernel, so the same bits), and whether ReLU follows (as the ReLU kernel:
/// lanes below zero cleared, NaN and -0 kept). Applied to runs of one output channel right after the GEMM wrote them.
/// </summary>
internal readonly unsafe struct CpuEpilogue(float* mean, float* invStd, float* gamma, float* beta, bool relu)
{
    private readonly float* _mean = mean, _invStd = invStd, _gamma = gamma, _beta = beta;

    /// <summary>Nothing to do: a plain convolution.</summary>
    public bool IsEmpty => _mean is null && !relu;

    /// <summary>y[i] = relu?(norm?(y[i])) for a run of n outputs of channel <paramref name="channel"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Apply(float* y, int n, int channel)
    {
        bool norm = _mean is not null;
        float mean = norm ? _mean[channel] : 0f, inv = norm ? _invStd[channel] : 1f, gamma = norm ? _gamma[channel] : 1f, beta = norm ? _beta[channel] : 0f;
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> m = Vector512.Create(mean), s = Vector512.Create(inv), g = Vector512.Create(gamma), b = Vector512.Create(beta);
            for (; i <= n - 16; i += 16)
            {
                var v = Vector512.Load(y + i);
                if (norm) v = (v - m) * s * g + b;
                if (relu) v = Vector512.AndNot(v, Vector512.LessThan(v, Vector512<float>.Zero));
                v.Store(y + i);
            }
        }
        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> m = Vector256.Create(mean), s = Vector256.Create(inv), g = Vector256.Create(gamma), b = Vector256.Create(beta);
            for (; i <= n - 8; i += 8)
            {
                var v = Vector256.Load(y + i);
                if (norm) v = (v - m) * s * g + b;
                if (relu) v = Vector256.AndNot(v, Vector256.LessThan(v, Vector256<float>.Zero));
                v.Store(y + i);
            }
        }
        for (; i < n; i++)
        {
            float v = y[i];
            if (norm) v = (v - mean) * inv * gamma + beta;
            if (relu) v = default(ReluOp).Forward(v);
            y[i] = v;
        }
    }
}
