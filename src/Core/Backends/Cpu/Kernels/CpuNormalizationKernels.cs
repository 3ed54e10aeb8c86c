using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace MlNetConv.Backends.Cpu.Kernels;

/// <summary>
/// The CPU backend's normalization: batch normalization's per-plane sums in Vector512 lanes, each float widened to
/// double as the reference does and the lanes added in a fixed order, and its input gradient with the reference's
/// operations in lanes; so the results differ from <see cref="CpuReferenceNormalizationKernels"/> only by the order of
/// the double sums. Local response normalization (AlexNet's, off every hot path) runs the reference loops.
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
