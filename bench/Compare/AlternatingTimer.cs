using System.Diagnostics;

namespace MlNetConv.Bench.Compare;

/// <summary>
/// Times MlNetConv and its peer in alternation: warm-up runs of both, then repetitions in which each side runs once,
/// the side that goes first switching every repetition, so drifts of the machine (clock, a neighbour's load, the other
/// engine's spinning threads) fall on both alike. Reports the median milliseconds of one run of each.
/// </summary>
internal static class AlternatingTimer
{
    /// <param name="peer">null: the peer is unavailable and only MlNetConv is timed</param>
    public static (double OursMs, double? PeerMs) Median(Action ours, Action? peer, int warmup, int runs)
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
        }
        return (Median(oursMs), peer is null ? null : Median(peerMs));
    }

    private static double Time(Action action)
    {
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
