using System.Runtime.Intrinsics;
using MlNetConv.Geometry;
using MlNetConv.Tensors;

namespace MlNetConv.Backends.Cpu.Kernels;

/// <summary>
/// Reference batch normalization (threaded over channels; the per-plane sums in double, one value at a time) and local
/// response normalization (threaded over planes, one position at a time): the oracle of
/// <see cref="CpuNormalizationKernels"/>, which takes both in vector lanes.
/// </summary>
internal class CpuReferenceNormalizationKernels : INormalizationKernels
{
    public void BatchNormForwardTraining(Tensor input, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
        float momentum, float epsilon, Tensor output, Tensor saveMean, Tensor saveInvStd)
    {
        var rm = CpuData.Of(runningMean);
        var rv = CpuData.Of(runningVar);
        int n = input.Shape.N, c = input.Shape.C, s = input.Shape.SpatialSize, count = n * s;
        if (count < 2)
            throw new InvalidOperationException($"Batch normalization needs more than one value per channel in training, got input {input.Shape}.");
        NormalizeChannels(input, gamma, beta, output, saveMean, saveInvStd, (x, ch) =>
        {
            double sum = 0;
            for (int i = 0; i < n; i++) sum += Sum(x.AsSpan((i * c + ch) * s, s));
            double mu = sum / count;
            double sq = 0;
            for (int i = 0; i < n; i++) sq += SquaredDeviations(x.AsSpan((i * c + ch) * s, s), mu);
            double variance = sq / count;
            rm[ch] = (1 - momentum) * rm[ch] + momentum * (float)mu;
            rv[ch] = (1 - momentum) * rv[ch] + momentum * (float)(sq / (count - 1));
            return ((float)mu, (float)(1.0 / Math.Sqrt(variance + epsilon)));
        });
    }

    public void BatchNormForwardInference(Tensor input, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
        float epsilon, Tensor output, Tensor saveMean, Tensor saveInvStd)
    {
        var rm = CpuData.Of(runningMean);
        var rv = CpuData.Of(runningVar);
        NormalizeChannels(input, gamma, beta, output, saveMean, saveInvStd, (_, ch) => (rm[ch], 1f / MathF.Sqrt(rv[ch] + epsilon)));
    }

    /// <summary>
    /// Threaded over channels: each channel's (mean, invStd) from <paramref name="statistics"/> (given the input and the
    /// channel), saved for the backward pass, then y = (x - mean) · invStd · gamma + beta over its planes.
    /// </summary>
    private static void NormalizeChannels(Tensor input, Tensor gamma, Tensor beta, Tensor output, Tensor saveMean, Tensor saveInvStd,
        Func<ArraySegment<float>, int, (float Mean, float InvStd)> statistics)
    {
        var x = CpuData.Of(input);
        var y = CpuData.Of(output);
        var gm = CpuData.Of(gamma);
        var bt = CpuData.Of(beta);
        var mean = CpuData.Of(saveMean);
        var invStd = CpuData.Of(saveInvStd);
        int n = input.Shape.N, c = input.Shape.C, s = input.Shape.SpatialSize;
        CpuParallel.For(c, ch =>
        {
            var (mu, inv) = statistics(x, ch);
            mean[ch] = mu;
            invStd[ch] = inv;
            Normalize(x, y, n, c, s, ch, mu, inv, gm[ch], bt[ch]);
        });
    }

    public void BatchNormBackward(Tensor input, Tensor outputGrad, Tensor gamma, Tensor mean, Tensor invStd, bool batchStatistics,
        Tensor inputGrad, Tensor gammaGrad, Tensor betaGrad)
    {
        var x = CpuData.Of(input);
        var dy = CpuData.Of(outputGrad);
        var dx = CpuData.Of(inputGrad);
        var gm = CpuData.Of(gamma);
        var mu = CpuData.Of(mean);
        var inv = CpuData.Of(invStd);
        var dg = CpuData.Of(gammaGrad);
        var db = CpuData.Of(betaGrad);
        int n = input.Shape.N, c = input.Shape.C, s = input.Shape.SpatialSize, count = n * s;
        CpuParallel.For(c, ch =>
        {
            double sumDy = 0, sumDyXhat = 0;
            for (int i = 0; i < n; i++)
            {
                int off = (i * c + ch) * s;
                var (planeDy, planeDyXhat) = GradientSums(x.AsSpan(off, s), dy.AsSpan(off, s), mu[ch], inv[ch]);
                sumDy += planeDy;
                sumDyXhat += planeDyXhat;
            }
            dg[ch] += (float)sumDyXhat;
            db[ch] += (float)sumDy;
            float scale = gm[ch] * inv[ch];
            float meanDy = batchStatistics ? (float)(sumDy / count) : 0f;
            float meanDyXhat = batchStatistics ? (float)(sumDyXhat / count) : 0f;
            for (int i = 0; i < n; i++)
            {
                int off = (i * c + ch) * s;
                InputGradient(x.AsSpan(off, s), dy.AsSpan(off, s), dx.AsSpan(off, s), mu[ch], inv[ch], scale, meanDy, meanDyXhat);
            }
        });
    }

    /// <summary>Σ x over one plane, in double.</summary>
    protected virtual double Sum(ReadOnlySpan<float> x)
    {
        double sum = 0;
        foreach (float v in x) sum += v;
        return sum;
    }

    /// <summary>Σ (x - mean)² over one plane, in double.</summary>
    protected virtual double SquaredDeviations(ReadOnlySpan<float> x, double mean)
    {
        double sum = 0;
        foreach (float v in x) sum += (v - mean) * (v - mean);
        return sum;
    }

    /// <summary>Σ dy and Σ dy · xhat over one plane, xhat = (x - mean) · invStd and the product in float, summed in double.</summary>
    protected virtual (double SumDy, double SumDyXhat) GradientSums(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, float mean, float invStd)
    {
        double sumDy = 0, sumDyXhat = 0;
        for (int j = 0; j < x.Length; j++)
        {
            float xhat = (x[j] - mean) * invStd;
            sumDy += dy[j];
            sumDyXhat += dy[j] * xhat;
        }
        return (sumDy, sumDyXhat);
    }

    /// <summary>
    /// dx = scale · (dy - meanDy - xhat · meanDyXhat) over one plane: gamma · invStd · (dy - mean(dy) - xhat · mean(dy ·
    /// xhat)) with batch statistics, gamma · invStd · dy without (both means zero).
    /// </summary>
    protected virtual void InputGradient(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, float mean, float invStd, float scale,
        float meanDy, float meanDyXhat)
    {
        for (int j = 0; j < x.Length; j++)
        {
            float xhat = (x[j] - mean) * invStd;
            dx[j] = scale * (dy[j] - meanDy - xhat * meanDyXhat);
        }
    }

    /// <summary>
    /// y = (x - mean) · invStd · gamma + beta over one channel's planes, in vector lanes: the same operations in the same
    /// order as one value at a time (no fused multiply-add), so the same bits.
    /// </summary>
    private static void Normalize(ArraySegment<float> x, ArraySegment<float> y, int n, int c, int s, int ch, float mean, float invStd, float gamma, float beta)
    {
        for (int i = 0; i < n; i++)
        {
            var xs = x.AsSpan((i * c + ch) * s, s);
            var ys = y.AsSpan((i * c + ch) * s, s);
            int j = 0;
            if (Vector512.IsHardwareAccelerated)
            {
                Vector512<float> m = Vector512.Create(mean), inv = Vector512.Create(invStd), g = Vector512.Create(gamma), b = Vector512.Create(beta);
                for (; j <= s - Vector512<float>.Count; j += Vector512<float>.Count)
                    ((Vector512.Create(xs[j..]) - m) * inv * g + b).CopyTo(ys[j..]);
            }
            for (; j < s; j++) ys[j] = (xs[j] - mean) * invStd * gamma + beta;
        }
    }

    public void LocalResponseNormForward(Tensor input, ChannelWindow window, float alpha, float beta, float k, Tensor output, Tensor scale)
    {
        var x = CpuData.Read(input);
        var y = CpuData.Of(output);
        var sc = CpuData.Of(scale);
        int n = input.Shape.N, c = input.Shape.C, s = input.Shape.SpatialSize;
        CpuParallel.For(n * c, m =>
        {
            int ch = m % c;
            LrnForward(x, y, sc, m - ch, m, window.First(ch), window.Last(ch, c), s, 0, alpha, beta, k);
        });
    }

    /// <summary>
    /// Positions [from, s) of plane <paramref name="plane"/> (sample · C + channel): scale = k + alpha · Σ x² over the
    /// window's planes [first + lo, first + hi] (the squares in float, summed in double in window order), y = x ·
    /// scale^-beta.
    /// </summary>
    /// <param name="first">the sample's first plane</param>
    protected virtual void LrnForward(ArraySegment<float> x, ArraySegment<float> y, ArraySegment<float> sc, int first, int plane, int lo, int hi, int s,
        int from, float alpha, float beta, float k)
    {
        for (int j = from; j < s; j++)
        {
            double sum = 0;
            for (int w = lo; w <= hi; w++)
            {
                float a = x[(first + w) * s + j];
                sum += a * a;
            }
            int at = plane * s + j;
            sc[at] = k + alpha * (float)sum;
            y[at] = x[at] * MathF.Pow(sc[at], -beta);
        }
    }

    public void LocalResponseNormBackward(Tensor input, Tensor output, Tensor scale, Tensor outputGrad, ChannelWindow window, float alpha, float beta,
        Tensor inputGrad)
    {
        var x = CpuData.Read(input);
        var y = CpuData.Read(output);
        var sc = CpuData.Read(scale);
        var dy = CpuData.Read(outputGrad);
        var dx = CpuData.Of(inputGrad);
        int n = input.Shape.N, c = input.Shape.C, s = input.Shape.SpatialSize;
        CpuParallel.For(n * c, m =>
        {
            int ch = m % c;
            LrnBackward(x, y, sc, dy, dx, m - ch, m, window.FirstReader(ch), window.LastReader(ch, c), s, 0, alpha, beta);
        });
    }

    /// <summary>
    /// Positions [from, s) of plane <paramref name="plane"/>: dx = dy · scale^-beta - 2 · alpha · beta · x · Σ dy · y /
    /// scale over the planes [first + lo, first + hi] whose windows hold this one (each term in float, summed in double).
    /// </summary>
    protected virtual void LrnBackward(ArraySegment<float> x, ArraySegment<float> y, ArraySegment<float> sc, ArraySegment<float> dy, ArraySegment<float> dx,
        int first, int plane, int lo, int hi, int s, int from, float alpha, float beta)
    {
        for (int j = from; j < s; j++)
        {
            int at = plane * s + j;
            double cross = 0;
            for (int w = lo; w <= hi; w++)
            {
                int o = (first + w) * s + j;
                cross += dy[o] * y[o] / sc[o];
            }
            dx[at] = dy[at] * MathF.Pow(sc[at], -beta) - 2f * alpha * beta * x[at] * (float)cross;
        }
    }
}
