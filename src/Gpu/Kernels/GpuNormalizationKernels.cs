using ILGPU;
using ILGPU.Runtime;
using MlNetConv.Backends;
using MlNetConv.Geometry;
using MlNetConv.Tensors;

namespace MlNetConv.Gpu.Kernels;

/// <summary>
/// Batch normalization with one group per channel (statistics reduced in double through a fixed tree, then the
/// channel normalised by the same group) and local response normalization with one thread per element.
/// </summary>
internal sealed class GpuNormalizationKernels : INormalizationKernels
{
    private readonly GpuBackend _b;
    private readonly Action<KernelConfig, ArrayView<float>, ArrayView<float>, BatchNormViews, BatchNormParams> _batchNormTraining;
    private readonly Action<Index1D, int, int, ArrayView<float>, ArrayView<float>, BatchNormViews, BatchNormParams> _batchNormInference;
    private readonly Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, BatchNormViews, BatchNormParams> _batchNormBackward;
    private readonly Action<Index1D, int, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, LrnParams> _lrnForward;
    private readonly Action<Index1D, int, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, LrnParams> _lrnBackward;

    public GpuNormalizationKernels(GpuBackend backend)
    {
        _b = backend;
        var a = backend.Accelerator;
        _batchNormTraining = a.LoadStreamKernel<ArrayView<float>, ArrayView<float>, BatchNormViews, BatchNormParams>(BatchNormTrainingKernel);
        _batchNormInference = a.LoadAutoGroupedStreamKernel<Index1D, int, int, ArrayView<float>, ArrayView<float>, BatchNormViews, BatchNormParams>(BatchNormInferenceKernel);
        _batchNormBackward = a.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, BatchNormViews, BatchNormParams>(BatchNormBackwardKernel);
        _lrnForward = a.LoadAutoGroupedStreamKernel<Index1D, int, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, LrnParams>(LrnForwardKernel);
        _lrnBackward = a.LoadAutoGroupedStreamKernel<Index1D, int, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, LrnParams>(LrnBackwardKernel);
    }

    public void BatchNormForwardTraining(Tensor input, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
        float momentum, float epsilon, Tensor output, Tensor saveMean, Tensor saveInvStd)
    {
        var p = Params(input, momentum, epsilon, batchStatistics: true);
        if (p.N * p.S < 2)
            throw new InvalidOperationException($"Batch normalization needs more than one value per channel in training, got input {input.Shape}.");
        _b.Bind();
        if (p.C > 0)
            _batchNormTraining(new KernelConfig(p.C, _b.ReduceGroupSize), GpuData.Of(input), GpuData.Of(output),
                Views(gamma, beta, runningMean, runningVar, saveMean, saveInvStd), p);
    }

    public void BatchNormForwardInference(Tensor input, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
        float epsilon, Tensor output, Tensor saveMean, Tensor saveInvStd)
    {
        var p = Params(input, 0f, epsilon, batchStatistics: false);
        _b.Bind();
        int n = input.Size, t = _b.Threads(n);
        if (n > 0)
            _batchNormInference(t, n, t, GpuData.Of(input), GpuData.Of(output), Views(gamma, beta, runningMean, runningVar, saveMean, saveInvStd), p);
    }

    public void BatchNormBackward(Tensor input, Tensor outputGrad, Tensor gamma, Tensor mean, Tensor invStd, bool batchStatistics,
        Tensor inputGrad, Tensor gammaGrad, Tensor betaGrad)
    {
        var p = Params(input, 0f, 0f, batchStatistics);
        _b.Bind();
        // gammaGrad and betaGrad travel in the running-statistics slots, mean and invStd in the saved ones.
        if (p.C > 0)
            _batchNormBackward(new KernelConfig(p.C, _b.ReduceGroupSize), GpuData.Of(input), GpuData.Of(outputGrad), GpuData.Of(inputGrad),
                Views(gamma, gamma, gammaGrad, betaGrad, mean, invStd), p);
    }

    public void LocalResponseNormForward(Tensor input, ChannelWindow window, float alpha, float beta, float k, Tensor output, Tensor scale)
    {
        _b.Bind();
        int n = input.Size, t = _b.Threads(n);
        if (n > 0) _lrnForward(t, n, t, GpuData.Of(input), GpuData.Of(output), GpuData.Of(scale),
            new LrnParams(input.Shape.C, input.Shape.SpatialSize, window, alpha, beta, k));
    }

    public void LocalResponseNormBackward(Tensor input, Tensor output, Tensor scale, Tensor outputGrad, ChannelWindow window, float alpha, float beta,
        Tensor inputGrad)
    {
        _b.Bind();
        int n = input.Size, t = _b.Threads(n);
        if (n > 0) _lrnBackward(t, n, t, GpuData.Of(input), GpuData.Of(output), GpuData.Of(scale), GpuData.Of(outputGrad), GpuData.Of(inputGrad),
            new LrnParams(input.Shape.C, input.Shape.SpatialSize, window, alpha, beta, 0f));
    }

    private static BatchNormParams Params(Tensor input, float momentum, float epsilon, bool batchStatistics) =>
        new(input.Shape.N, input.Shape.C, input.Shape.SpatialSize, momentum, epsilon, batchStatistics ? 1 : 0);

    private static BatchNormViews Views(Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar, Tensor mean, Tensor invStd) =>
        new(GpuData.Of(gamma), GpuData.Of(beta), GpuData.Of(runningMean), GpuData.Of(runningVar), GpuData.Of(mean), GpuData.Of(invStd));

    internal readonly record struct BatchNormParams(int N, int C, int S, float Momentum, float Epsilon, int BatchStatistics);

    /// <summary>The per-channel vectors (C) of one batch-norm call.</summary>
    internal readonly record struct BatchNormViews(ArrayView<float> Gamma, ArrayView<float> Beta, ArrayView<float> RunningMean,
        ArrayView<float> RunningVar, ArrayView<float> Mean, ArrayView<float> InvStd);

    internal readonly record struct LrnParams(int C, int S, ChannelWindow Window, float Alpha, float Beta, float K);

    private static int At(BatchNormParams p, int ch, int i)
    {
        int sample = i / p.S;
        return (sample * p.C + ch) * p.S + (i - sample * p.S);
    }

    // One group per channel: mean, then the variance about it (two passes, as on the CPU), then y.
    private static void BatchNormTrainingKernel(ArrayView<float> x, ArrayView<float> y, BatchNormViews v, BatchNormParams p)
    {
        var shared = SharedMemory.Allocate<double>(GpuReductions.MaxGroupSize);
        int ch = Grid.IdxX, count = p.N * p.S;
        double sum = 0;
        for (int i = Group.IdxX; i < count; i += Group.DimX) sum += x[At(p, ch, i)];
        double mu = GpuReductions.GroupSum(sum, shared) / count;
        double sq = 0;
        for (int i = Group.IdxX; i < count; i += Group.DimX)
        {
            double d = x[At(p, ch, i)] - mu;
            sq += d * d;
        }
        double squares = GpuReductions.GroupSum(sq, shared);
        float inv = (float)(1.0 / Math.Sqrt(squares / count + p.Epsilon));
        if (Group.IdxX == 0)
        {
            v.Mean[ch] = (float)mu;
            v.InvStd[ch] = inv;
            v.RunningMean[ch] = (1 - p.Momentum) * v.RunningMean[ch] + p.Momentum * (float)mu;
            v.RunningVar[ch] = (1 - p.Momentum) * v.RunningVar[ch] + p.Momentum * (float)(squares / (count - 1));
        }
        float mean = (float)mu, gamma = v.Gamma[ch], beta = v.Beta[ch];
        for (int i = Group.IdxX; i < count; i += Group.DimX)
        {
            int at = At(p, ch, i);
            y[at] = (x[at] - mean) * inv * gamma + beta;
        }
    }

    private static void BatchNormInferenceKernel(Index1D t, int n, int stride, ArrayView<float> x, ArrayView<float> y, BatchNormViews v, BatchNormParams p)
    {
        for (int i = t; i < n; i += stride)
        {
            int ch = i / p.S % p.C;
            float inv = 1f / MathF.Sqrt(v.RunningVar[ch] + p.Epsilon);
            y[i] = (x[i] - v.RunningMean[ch]) * inv * v.Gamma[ch] + v.Beta[ch];
            if (i < p.C)
            {
                v.Mean[i] = v.RunningMean[i];
                v.InvStd[i] = 1f / MathF.Sqrt(v.RunningVar[i] + p.Epsilon);
            }
        }
    }

    // v: Gamma, (unused), GammaGrad in RunningMean, BetaGrad in RunningVar, Mean, InvStd.
    private static void BatchNormBackwardKernel(ArrayView<float> x, ArrayView<float> dy, ArrayView<float> dx, BatchNormViews v, BatchNormParams p)
    {
        var shared = SharedMemory.Allocate<double>(GpuReductions.MaxGroupSize);
        int ch = Grid.IdxX, count = p.N * p.S;
        float mu = v.Mean[ch], inv = v.InvStd[ch];
        double sumDy = 0, sumDyXhat = 0;
        for (int i = Group.IdxX; i < count; i += Group.DimX)
        {
            int at = At(p, ch, i);
            float xhat = (x[at] - mu) * inv;
            sumDy += dy[at];
            sumDyXhat += dy[at] * xhat;
        }
        double totalDy = GpuReductions.GroupSum(sumDy, shared);
        double totalDyXhat = GpuReductions.GroupSum(sumDyXhat, shared);
        if (Group.IdxX == 0)
        {
            v.RunningMean[ch] += (float)totalDyXhat;
            v.RunningVar[ch] += (float)totalDy;
        }
        float scale = v.Gamma[ch] * inv;
        float meanDy = p.BatchStatistics != 0 ? (float)(totalDy / count) : 0f;
        float meanDyXhat = p.BatchStatistics != 0 ? (float)(totalDyXhat / count) : 0f;
        for (int i = Group.IdxX; i < count; i += Group.DimX)
        {
            int at = At(p, ch, i);
            float xhat = (x[at] - mu) * inv;
            dx[at] = scale * (dy[at] - meanDy - xhat * meanDyXhat);
        }
    }

    private static void LrnForwardKernel(Index1D t, int n, int stride, ArrayView<float> x, ArrayView<float> y, ArrayView<float> scale, LrnParams p)
    {
        int plane = p.C * p.S;
        for (int at = t; at < n; at += stride)
        {
            int sample = at / plane, ch = at / p.S % p.C, j = at % p.S;
            int lo = p.Window.First(ch), hi = p.Window.Last(ch, p.C);
            float sum = 0f;
            for (int w = lo; w <= hi; w++)
            {
                float a = x[(sample * p.C + w) * p.S + j];
                sum += a * a;
            }
            float sc = p.K + p.Alpha * sum;
            scale[at] = sc;
            y[at] = x[at] * MathF.Pow(sc, -p.Beta);
        }
    }

    // Channel ch lies in the windows of the channels FirstReader(ch) .. LastReader(ch).
    private static void LrnBackwardKernel(Index1D t, int n, int stride, ArrayView<float> x, ArrayView<float> y, ArrayView<float> scale,
        ArrayView<float> dy, ArrayView<float> dx, LrnParams p)
    {
        int plane = p.C * p.S;
        for (int at = t; at < n; at += stride)
        {
            int sample = at / plane, ch = at / p.S % p.C, j = at % p.S;
            int lo = p.Window.FirstReader(ch), hi = p.Window.LastReader(ch, p.C);
            float cross = 0f;
            for (int w = lo; w <= hi; w++)
            {
                int o = (sample * p.C + w) * p.S + j;
                cross += dy[o] * y[o] / scale[o];
            }
            dx[at] = dy[at] * MathF.Pow(scale[at], -p.Beta) - 2f * p.Alpha * p.Beta * x[at] * cross;
        }
    }
}
