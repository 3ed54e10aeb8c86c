using System.Globalization;

namespace MlNetConv.Bench.Compare;

/// <summary>What a number measures and which way is better.</summary>
internal sealed record Unit(string Name, bool HigherIsBetter, string Format)
{
    public static Unit GflopsPerSecond { get; } = new("GFLOP/s", true, "F1");
    public static Unit ImagesPerSecond { get; } = new("images/s", true, "F1");
    public static Unit Milliseconds { get; } = new("ms", false, "F2");
    public static Unit Seconds { get; } = new("s", false, "F2");
    public static Unit Accuracy { get; } = new("accuracy", true, "F4");

    public string Text(double value) => value.ToString(Format, CultureInfo.InvariantCulture);
}

/// <summary>
/// One output line: <c>case=… mlnetconv=… peer=… peer_value=… unit=… ratio=…</c> and optional extra fields. The ratio is
/// always "how many times better MlNetConv is": ours/peer for throughput and accuracy, peer/ours (speed-up) for times.
/// </summary>
internal static class Measurement
{
    public const string Legend =
        "# ratio > 1 means MlNetConv is better: mlnetconv/peer for throughput units (GFLOP/s, images/s) and accuracy,\n" +
        "# peer/mlnetconv (speed-up) for time units (ms, s). Values are medians of repeated runs, engine and peer alternating\n" +
        "# (which goes first alternates too); peak_pct is against the FMA loop measured at the start of this run (for sgemm,\n" +
        "# the median over repetitions of each side's share of the FMA loop run right after it, peak_gflops that loop's\n" +
        "# median). Convolution GFLOP/s count the direct convolution's\n" +
        "# multiply-adds for both engines: where an engine takes a faster algorithm (MlNetConv's Winograd for 3x3 stride-1\n" +
        "# layers) they are an effective rate, and peak_pct can pass 100.";

    /// <param name="peerValue">null when the peer could not run; <paramref name="reason"/> then says why</param>
    public static void Print(string name, double ours, string peer, double? peerValue, Unit unit,
        IEnumerable<(string Key, string Value)>? extra = null, string? reason = null)
    {
        string ratio = peerValue is { } p && p > 0 && ours > 0 ? Invariant(unit.HigherIsBetter ? ours / p : p / ours, "F2") : "n/a";
        string peerText = peerValue is { } v ? unit.Text(v) : "unavailable";
        var line = $"case={name} mlnetconv={unit.Text(ours)} peer={peer} peer_value={peerText} unit={unit.Name} ratio={ratio}";
        foreach (var (key, value) in extra ?? []) line += $" {key}={value}";
        if (peerValue is null && reason is not null) line += $" reason=\"{reason.Replace('"', '\'')}\"";
        Console.WriteLine(line);
    }

    /// <summary>Each side's share of the measured FP32 peak.</summary>
    public static IEnumerable<(string, string)> PeakShares(double oursGflops, double? peerGflops, double peak)
    {
        yield return ("mlnetconv_peak_pct", Invariant(100 * oursGflops / peak, "F1"));
        if (peerGflops is { } p) yield return ("peer_peak_pct", Invariant(100 * p / peak, "F1"));
    }

    /// <summary>GFLOP/s of each side for a case of <paramref name="flops"/> per run, and their shares of the peak.</summary>
    public static IEnumerable<(string, string)> Flops(double flops, double oursMs, double? peerMs, double peak)
    {
        double ours = flops / (oursMs * 1e6);
        double? peer = peerMs is { } p ? flops / (p * 1e6) : null;
        yield return ("mlnetconv_gflops", Invariant(ours, "F1"));
        if (peer is { } g) yield return ("peer_gflops", Invariant(g, "F1"));
        foreach (var share in PeakShares(ours, peer, peak)) yield return share;
    }

    public static string Invariant(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
}
