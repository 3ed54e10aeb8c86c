using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using MlNetConv.Tensors;

namespace MlNetConv.Backends.Cpu.Kernels;

/// <summary>
/// Batch normalization in Vector512 lanes, threaded over channels: the statistics and the backward sums are taken in
/// double (each float widened, as the reference does, eight lanes at a time in a fixed order), the element-wise parts
/// with the reference's operations, so the results differ from <see cref="CpuReferenceNormalizationKernels"/> only by
/// the order of the double sums. Local response normalization (AlexNet's, off every hot path) runs the reference loops.
/// </summary>
internal sealed class CpuNormalizationKernels : INormalizationKernels
{
    private static readonly CpuReferenceNormalizationKernels Reference = new();

    public void BatchNormForwardTraining(Tensor input, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
        float momentum, float epsilon, Tensor output, Tensor saveMean, Tensor saveInvStd)
    {
        var x = CpuData.Read(input);
        var y = CpuData.Of(output);
        var gm = CpuData.Read(gamma);
        var bt = CpuData.Read(beta);
        var rm = CpuData.Of(runningMean);
        var rv = CpuData.Of(runningVar);
        var mean = CpuData.Of(saveMean);
        var invStd = CpuData.Of(saveInvStd);
        int n = input.Shape.N, c = input.Shape.C, s = input.Shape.SpatialSize, count = n * s;
        if (count < 2)
            throw new InvalidOperationException($"Batch normalization needs more than one value per channel in training, got input {input.Shape}.");
        CpuParallel.For(c, ch =>
        {
            double sum = 0;
            for (int i = 0; i < n; i++) sum += Sum(x.AsSpan((i * c + ch) * s, s));
            double mu = sum / count;
            double sq = 0;
            for (int i = 0; i < n; i++) sq += SquaredDeviations(x.AsSpan((i * c + ch) * s, s), mu);
            double variance = sq / count;
            float inv = (float)(1.0 / Math.Sqrt(variance + epsilon));
            mean[ch] = (float)mu;
            invStd[ch] = inv;
            rm[ch] = (1 - momentum) * rm[ch] + momentum * (float)mu;
            rv[ch] = (1 - momentum) * rv[ch] + momentum * (float)(sq / (count - 1));
            CpuReferenceNormalizationKernels.Normalize(x, y, n, c, s, ch, (float)mu, inv, gm[ch], bt[ch]);
        });
    }

    public void BatchNormForwardInference(Tensor input, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
        float epsilon, Tensor output, Tensor saveMean, Tensor saveInvStd) =>
        Reference.BatchNormForwardInference(input, gamma, beta, runningMean, runningVar, epsilon, output, saveMean, saveInvStd); // already in lanes

    public void BatchNormBackward(Tensor input, Tensor outputGrad, Tensor gamma, Tensor mean, Tensor invStd, bool batchStatistics,
        Tensor inputGrad, Tensor gammaGrad, Tensor betaGrad)
    {
        var x = CpuData.Read(input);
        var dy = CpuData.Read(outputGrad);
        var dx = CpuData.Of(inputGrad);
        var gm = CpuData.Read(gamma);
        var mu = CpuData.Read(mean);
        var inv = CpuData.Read(invStd);
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

    public void LocalResponseNormForward(Tensor input, int size, float alpha, float beta, float k, Tensor output, Tensor scale) =>
        Reference.LocalResponseNormForward(input, size, alpha, beta, k, output, scale);

    public void LocalResponseNormBackward(Tensor input, Tensor output, Tensor scale, Tensor outputGrad, int size, float alpha, float beta,
        Tensor inputGrad) =>
        Reference.LocalResponseNormBackward(input, output, scale, outputGrad, size, alpha, beta, inputGrad);

    /// <summary>Σ x in double: two Vector512&lt;double&gt; of widened lanes, added in a fixed order, then the tail.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double Sum(ReadOnlySpan<float> x)
    {
        int j = 0;
        double sum = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<double> low = default, high = default;
            for (; j <= x.Length - 16; j += 16)
            {
                var v = Vector512.Create(x[j..]);
                low += Vector512.WidenLower(v);
                high += Vector512.WidenUpper(v);
            }
            sum = Vector512.Sum(low + high);
        }
        for (; j < x.Length; j++) sum += x[j];
        return sum;
    }

    /// <summary>Σ (x - mean)² in double, as <see cref="Sum"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double SquaredDeviations(ReadOnlySpan<float> x, double mean)
    {
        int j = 0;
        double sum = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<double> low = default, high = default, m = Vector512.Create(mean);
            for (; j <= x.Length - 16; j += 16)
            {
                var v = Vector512.Create(x[j..]);
                var dl = Vector512.WidenLower(v) - m;
                var dh = Vector512.WidenUpper(v) - m;
                low += dl * dl;
                high += dh * dh;
            }
            sum = Vector512.Sum(low + high);
        }
        for (; j < x.Length; j++) sum += (x[j] - mean) * (x[j] - mean);
        return sum;
    }

    /// <summary>Σ dy and Σ dy · xhat (the product in float, as the reference) in double over one plane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (double SumDy, double SumDyXhat) GradientSums(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, float mean, float invStd)
    {
        int j = 0;
        double sumDy = 0, sumDyXhat = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<double> dyLow = default, dyHigh = default, pLow = default, pHigh = default;
            Vector512<float> m = Vector512.Create(mean), inv = Vector512.Create(invStd);
            for (; j <= x.Length - 16; j += 16)
            {
                var d = Vector512.Create(dy[j..]);
                var p = d * ((Vector512.Create(x[j..]) - m) * inv);
                dyLow += Vector512.WidenLower(d);
                dyHigh += Vector512.WidenUpper(d);
                pLow += Vector512.WidenLower(p);
                pHigh += Vector512.WidenUpper(p);
            }
            sumDy = Vector512.Sum(dyLow + dyHigh);
            sumDyXhat = Vector512.Sum(pLow + pHigh);
        }
        for (; j < x.Length; j++)
        {
            float xhat = (x[j] - mean) * invStd;
            sumDy += dy[j];
            sumDyXhat += dy[j] * xhat;
        }
        return (sumDy, sumDyXhat);
    }

    /// <summary>dx = scale · (dy - meanDy - xhat · meanDyXhat) over one plane: the reference's operations, so the same bits for the same sums.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void InputGradient(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, float mean, float invStd, float scale, float meanDy,
        float meanDyXhat)
    {
        int j = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> m = Vector512.Create(mean), inv = Vector512.Create(invStd), sc = Vector512.Create(scale), mdy = Vector512.Create(meanDy),
                mp = Vector512.Create(meanDyXhat);
            for (; j <= x.Length - 16; j += 16)
            {
                var xhat = (Vector512.Create(x[j..]) - m) * inv;
                (sc * (Vector512.Create(dy[j..]) - mdy - xhat * mp)).CopyTo(dx[j..]);
            }
        }
        for (; j < x.Length; j++)
        {
            float xhat = (x[j] - mean) * invStd;
            dx[j] = scale * (dy[j] - meanDy - xhat * meanDyXhat);
        }
    }
}
