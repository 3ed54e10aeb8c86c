using System.Diagnostics;

namespace MlNetConv.Bench.Compare;

/// <summary>
/// Times MlNetConv and its peer in alternation: warm-up runs of both, then repetitions in which each side runs once,
/// the side that goes first switching every repetition, so drifts of the machine (clock, a neighbour's load) fall on
/// both alike. Reports the median milliseconds of one run of each.
/// Each timed run starts after a <see cref="Settle"/> pause: LibTorch's OpenMP workers spin for some milliseconds after
/// each parallel region (libgomp's default spin count), and a run that starts at once shares the cores with them
/// (measured: MlNetConv's SGEMM 1024³ at 138–144 GFLOP/s right after a LibTorch run, 172–198 with the workers asleep).
/// The pause does not slow the peer: its workers spin again from its first parallel region on.
/// </summary>
internal static class AlternatingTimer
{
    /// <summary>Longer than the peer's idle workers spin, so that neither side is timed while the other's still run.</summary>
    public static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(50);

    /// <param name="peer">null: the peer is unavailable and only MlNetConv is timed</param>
    public static (double OursMs, double? PeerMs) Median(Action ours, Action? peer, int warmup, int runs)
    {
        var (oursMs, peerMs) = Repeat(ours, peer, warmup, runs, null);
        return (Median(oursMs), peer is null ? null : Median(peerMs));
    }

    /// <summary>
    /// As <see cref="Median"/>, and after each repetition a gauge of the machine's pace (the FMA loop's GFLOP/s): each
    /// side's GFLOP/s for <paramref name="flops"/> a run as a share of the gauge in the same repetition, the median of
    /// those shares. On a machine whose speed drifts (a shared host), a share taken against a peak measured minutes apart
    /// would measure the drift.
    /// </summary>
    public static (double OursMs, double? PeerMs, double OursShare, double? PeerShare, double GaugeGflops) MedianWithGauge(Action ours, Action? peer,
        Func<double> gauge, double flops, int warmup, int runs)
    {
        var gauges = new double[runs];
        var (oursMs, peerMs) = Repeat(ours, peer, warmup, runs, r => gauges[r] = gauge());
        double[] Shares(double[] ms) => ms.Select((t, r) => flops / (t * 1e6) / gauges[r]).ToArray();
        return (Median(oursMs), peer is null ? null : Median(peerMs), Median(Shares(oursMs)), peer is null ? null : Median(Shares(peerMs)), Median(gauges));
    }

    /// <summary>Warm-up runs of both, then <paramref name="runs"/> repetitions of each side once, the first side alternating.</summary>
    private static (double[] OursMs, double[] PeerMs) Repeat(Action ours, Action? peer, int warmup, int runs, Action<int>? afterEach)
    {
        for (int i = 0; i < warmup; i++)
        {
            ours();
            peer?.Invoke();
        }
        var oursMs = new double[runs];
        var peerMs = new double[runs];
        for (int r = 0; r < runs; r++)
        {
            if (peer is not null && r % 2 == 1) peerMs[r] = Time(peer);
            oursMs[r] = Time(ours);
            if (peer is not null && r % 2 == 0) peerMs[r] = Time(peer);
            afterEach?.Invoke(r);
        }
        return (oursMs, peerMs);
    }

    private static double Time(Action action)
    {
        Thread.Sleep(Settle);
        long start = Stopwatch.GetTimestamp();
        action();
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    private static double Median(double[] values)
    {
        var sorted = (double[])values.Clone();
        Array.Sort(sorted);
        int n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
