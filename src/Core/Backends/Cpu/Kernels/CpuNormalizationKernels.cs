using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace MlNetConv.Backends.Cpu.Kernels;

/// <summary>
/// The CPU backend's normalization: batch normalization's per-plane sums in Vector512 lanes, each float widened to
/// double as the reference does and the lanes added in a fixed order, and its input gradient with the reference's
/// operations in lanes; so the results differ from <see cref="CpuReferenceNormalizationKernels"/> only by the order of
/// the double sums. Local response normalization takes 16 positions at a time with the reference's sums (the same
/// bits) and scale^-beta in lanes (<see cref="InversePower"/>: within a few roundings of MathF.Pow).
/// </summary>
internal sealed class CpuNormalizationKernels : CpuReferenceNormalizationKernels
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override double Sum(ReadOnlySpan<float> x)
    {
        if (!Vector512.IsHardwareAccelerated) return base.Sum(x);
        int j = 0;
        Vector512<double> low = default, high = default;
        for (; j <= x.Length - 16; j += 16)
        {
            var v = Vector512.Create(x[j..]);
            low += Vector512.WidenLower(v);
            high += Vector512.WidenUpper(v);
        }
        return Vector512.Sum(low + high) + base.Sum(x[j..]);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override double SquaredDeviations(ReadOnlySpan<float> x, double mean)
    {
        if (!Vector512.IsHardwareAccelerated) return base.SquaredDeviations(x, mean);
        int j = 0;
        Vector512<double> low = default, high = default, m = Vector512.Create(mean);
        for (; j <= x.Length - 16; j += 16)
        {
            var v = Vector512.Create(x[j..]);
            var dl = Vector512.WidenLower(v) - m;
            var dh = Vector512.WidenUpper(v) - m;
            low += dl * dl;
            high += dh * dh;
        }
        return Vector512.Sum(low + high) + base.SquaredDeviations(x[j..], mean);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override (double SumDy, double SumDyXhat) GradientSums(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, float mean, float invStd)
    {
        if (!Vector512.IsHardwareAccelerated) return base.GradientSums(x, dy, mean, invStd);
        int j = 0;
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
        var (tailDy, tailDyXhat) = base.GradientSums(x[j..], dy[j..], mean, invStd);
        return (Vector512.Sum(dyLow + dyHigh) + tailDy, Vector512.Sum(pLow + pHigh) + tailDyXhat);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void LrnForward(ArraySegment<float> x, ArraySegment<float> y, ArraySegment<float> sc, int first, int plane, int lo, int hi, int s,
        int from, float alpha, float beta, float k)
    {
        int j = from;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> vk = Vector512.Create(k), va = Vector512.Create(alpha);
            for (; j <= s - 16; j += 16)
            {
                Vector512<double> low = default, high = default;
                for (int w = lo; w <= hi; w++)
                {
                    var a = Vector512.Create(x.AsSpan((first + w) * s + j, 16));
                    var square = a * a;
                    low += Vector512.WidenLower(square);
                    high += Vector512.WidenUpper(square);
                }
                int at = plane * s + j;
                var scale = vk + va * Vector512.Narrow(low, high);
                scale.CopyTo(sc.AsSpan(at, 16));
                (Vector512.Create(x.AsSpan(at, 16)) * InversePower(scale, beta)).CopyTo(y.AsSpan(at, 16));
            }
        }
        base.LrnForward(x, y, sc, first, plane, lo, hi, s, j, alpha, beta, k);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void LrnBackward(ArraySegment<float> x, ArraySegment<float> y, ArraySegment<float> sc, ArraySegment<float> dy,
        ArraySegment<float> dx, int first, int plane, int lo, int hi, int s, int from, float alpha, float beta)
    {
        int j = from;
        if (Vector512.IsHardwareAccelerated)
        {
            var factor = Vector512.Create(2f * alpha * beta);
            for (; j <= s - 16; j += 16)
            {
                Vector512<double> low = default, high = default;
                for (int w = lo; w <= hi; w++)
                {
                    int o = (first + w) * s + j;
                    var term = Vector512.Create(dy.AsSpan(o, 16)) * Vector512.Create(y.AsSpan(o, 16)) / Vector512.Create(sc.AsSpan(o, 16));
                    low += Vector512.WidenLower(term);
                    high += Vector512.WidenUpper(term);
                }
                int at = plane * s + j;
                var scaled = Vector512.Create(dy.AsSpan(at, 16)) * InversePower(Vector512.Create(sc.AsSpan(at, 16)), beta);
                (scaled - factor * Vector512.Create(x.AsSpan(at, 16)) * Vector512.Narrow(low, high)).CopyTo(dx.AsSpan(at, 16));
            }
        }
        base.LrnBackward(x, y, sc, dy, dx, first, plane, lo, hi, s, j, alpha, beta);
    }

    /// <summary>
    /// scale^-beta in lanes: by square roots for AlexNet's and GoogLeNet's beta 0.75 (scale^0.75 = √scale · √√scale), and
    /// for 0.5 and 1; else exp(-beta · log scale), about as slow as MathF.Pow one lane at a time.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> InversePower(Vector512<float> scale, float beta)
    {
        if (beta == 0.75f)
        {
            var root = Vector512.Sqrt(scale);
            return Vector512<float>.One / (root * Vector512.Sqrt(root));
        }
        if (beta == 0.5f) return Vector512<float>.One / Vector512.Sqrt(scale);
        if (beta == 1f) return Vector512<float>.One / scale;
        return Vector512.Exp(Vector512.Log(scale) * Vector512.Create(-beta));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void InputGradient(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, float mean, float invStd, float scale,
        float meanDy, float meanDyXhat)
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
        base.InputGradient(x[j..], dy[j..], dx[j..], mean, invStd, scale, meanDy, meanDyXhat);
    }
}
