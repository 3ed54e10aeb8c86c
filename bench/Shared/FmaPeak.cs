using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace MlNetConv.Bench;

/// <summary>
/// The FP32 peak this machine delivers now: an FMA loop with 12 independent accumulators per thread (enough to hide the
/// FMA latency on current x86 cores), on Vector512 where it is accelerated, else Vector256. On cores that split a
/// 512-bit operation into two 256-bit halves (Zen 4) both give the same number; that is the point of measuring.
/// </summary>
internal static class FmaPeak
{
    private const int Accumulators = 12;

    /// <summary>
    /// The best GFLOP/s of five runs of the loop on <paramref name="threads"/> threads at once: a peak is what the
    /// machine can do, and a neighbour's burst only ever lowers a run.
    /// </summary>
    public static double Measure(int threads)
    {
        Run(Vector512.IsHardwareAccelerated, 10_000);
        return Enumerable.Range(0, 5).Max(_ => Gflops(threads, 20_000_000));
    }

    /// <summary>
    /// One run of the loop on <paramref name="threads"/> threads at once, lasting about <paramref name="seconds"/> at
    /// <paramref name="gflops"/>: its GFLOP/s (a gauge of the machine's pace at this moment, between timed runs).
    /// </summary>
    public static double Once(int threads, double seconds, double gflops) =>
        Gflops(threads, Math.Max(1000, (long)(seconds * gflops * 1e9 / FlopsPerIteration(threads))));

    private static double FlopsPerIteration(int threads) =>
        2.0 * (Vector512.IsHardwareAccelerated ? Vector512<float>.Count : Vector256<float>.Count) * Accumulators * threads;

    /// <summary>GFLOP/s of <paramref name="iterations"/> of the loop on each of <paramref name="threads"/> threads at once.</summary>
    private static double Gflops(int threads, long iterations)
    {
        bool wide = Vector512.IsHardwareAccelerated;
        long start = Stopwatch.GetTimestamp();
        Parallel.For(0, threads, _ => Run(wide, iterations));
        return FlopsPerIteration(threads) * iterations / Stopwatch.GetElapsedTime(start).TotalSeconds / 1e9;
    }

    private static float Run(bool wide, long iterations) => wide ? Loop512(iterations) : Loop256(iterations);

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Loop512(long iterations)
    {
        var a = Vector512.Create(0.5f);
        var b = Vector512.Create(0.999f);
        Vector512<float> c0 = a, c1 = a, c2 = a, c3 = a, c4 = a, c5 = a, c6 = a, c7 = a, c8 = a, c9 = a, c10 = a, c11 = a;
        for (long i = 0; i < iterations; i++)
        {
            c0 = Vector512.FusedMultiplyAdd(c0, b, a); c1 = Vector512.FusedMultiplyAdd(c1, b, a);
            c2 = Vector512.FusedMultiplyAdd(c2, b, a); c3 = Vector512.FusedMultiplyAdd(c3, b, a);
            c4 = Vector512.FusedMultiplyAdd(c4, b, a); c5 = Vector512.FusedMultiplyAdd(c5, b, a);
            c6 = Vector512.FusedMultiplyAdd(c6, b, a); c7 = Vector512.FusedMultiplyAdd(c7, b, a);
            c8 = Vector512.FusedMultiplyAdd(c8, b, a); c9 = Vector512.FusedMultiplyAdd(c9, b, a);
            c10 = Vector512.FusedMultiplyAdd(c10, b, a); c11 = Vector512.FusedMultiplyAdd(c11, b, a);
        }
        return Vector512.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Loop256(long iterations)
    {
        var a = Vector256.Create(0.5f);
        var b = Vector256.Create(0.999f);
        Vector256<float> c0 = a, c1 = a, c2 = a, c3 = a, c4 = a, c5 = a, c6 = a, c7 = a, c8 = a, c9 = a, c10 = a, c11 = a;
        for (long i = 0; i < iterations; i++)
        {
            c0 = Vector256.FusedMultiplyAdd(c0, b, a); c1 = Vector256.FusedMultiplyAdd(c1, b, a);
            c2 = Vector256.FusedMultiplyAdd(c2, b, a); c3 = Vector256.FusedMultiplyAdd(c3, b, a);
            c4 = Vector256.FusedMultiplyAdd(c4, b, a); c5 = Vector256.FusedMultiplyAdd(c5, b, a);
            c6 = Vector256.FusedMultiplyAdd(c6, b, a); c7 = Vector256.FusedMultiplyAdd(c7, b, a);
            c8 = Vector256.FusedMultiplyAdd(c8, b, a); c9 = Vector256.FusedMultiplyAdd(c9, b, a);
            c10 = Vector256.FusedMultiplyAdd(c10, b, a); c11 = Vector256.FusedMultiplyAdd(c11, b, a);
        }
        return Vector256.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
    }
}
