using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace MlNetConv.Backends.Cpu.Kernels;

/// <summary>
/// A <see cref="ConvolutionEpilogue"/> ready for the CPU kernels: per channel the running mean, 1/sqrt(var + eps), gamma
/// and beta (the expression of the batch-norm kernel, so the same bits), the residual to add (as the addition kernel)
/// and whether ReLU follows (as the ReLU kernel: lanes below zero cleared, NaN and -0 kept). Applied to runs of one
/// output channel right after the GEMM wrote them.
/// </summary>
/// <param name="residual">null, or the tensor added after the normalisation, laid out as the output at <paramref name="output"/></param>
internal readonly unsafe struct CpuEpilogue(float* mean, float* invStd, float* gamma, float* beta, float* residual, float* output, bool relu)
{
    private readonly float* _mean = mean, _invStd = invStd, _gamma = gamma, _beta = beta, _residual = residual, _output = output;

    /// <summary>Nothing to do: a plain convolution.</summary>
    public bool IsEmpty => _mean is null && _residual is null && !relu;

    /// <summary>Whether part of the work needs the outputs in place (the residual is read at the output's position).</summary>
    public bool HasResidual => _residual is not null;

    /// <summary>The whole epilogue on a run of n outputs of channel <paramref name="channel"/>, in place in the output.</summary>
    public void Apply(float* y, int n, int channel) => Run(y, n, channel, norm: true, rest: true);

    /// <summary>What comes before the residual (the normalisation, and ReLU when there is no residual), on any run.</summary>
    public void ApplyBeforeResidual(float* y, int n, int channel) => Run(y, n, channel, norm: true, rest: !HasResidual);

    /// <summary>The residual and ReLU, on a run in place in the output, after <see cref="ApplyBeforeResidual"/>.</summary>
    public void ApplyResidual(float* y, int n, int channel)
    {
        if (HasResidual) Run(y, n, channel, norm: false, rest: true);
    }

    /// <summary>The whole epilogue of channel <paramref name="channel"/> for 16 outputs held in a register, bound for <paramref name="y"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Apply(Vector512<float> v, float* y, int channel)
    {
        if (_mean is not null)
            v = (v - Vector512.Create(_mean[channel])) * Vector512.Create(_invStd[channel]) * Vector512.Create(_gamma[channel]) + Vector512.Create(_beta[channel]);
        if (_residual is not null) v += Vector512.Load(_residual + (y - _output));
        if (relu) v = Vector512.AndNot(v, Vector512.LessThan(v, Vector512<float>.Zero));
        return v;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Run(float* y, int n, int channel, bool norm, bool rest)
    {
        norm &= _mean is not null;
        bool add = rest && _residual is not null, clamp = rest && relu;
        float mean = norm ? _mean[channel] : 0f, inv = norm ? _invStd[channel] : 1f, gamma = norm ? _gamma[channel] : 1f, beta = norm ? _beta[channel] : 0f;
        float* r = add ? _residual + (y - _output) : null;
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> m = Vector512.Create(mean), s = Vector512.Create(inv), g = Vector512.Create(gamma), b = Vector512.Create(beta);
            for (; i <= n - 16; i += 16)
            {
                var v = Vector512.Load(y + i);
                if (norm) v = (v - m) * s * g + b;
                if (add) v += Vector512.Load(r + i);
                if (clamp) v = Vector512.AndNot(v, Vector512.LessThan(v, Vector512<float>.Zero));
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
                if (add) v += Vector256.Load(r + i);
                if (clamp) v = Vector256.AndNot(v, Vector256.LessThan(v, Vector256<float>.Zero));
                v.Store(y + i);
            }
        }
        for (; i < n; i++)
        {
            float v = y[i];
            if (norm) v = (v - mean) * inv * gamma + beta;
            if (add) v += r[i];
            if (clamp) v = default(ReluOp).Forward(v);
            y[i] = v;
        }
    }
}
