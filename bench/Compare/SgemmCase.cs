using System.Globalization;
using MlNetConv.Backends.Cpu.Gemm;
using TorchSharp;

namespace MlNetConv.Bench.Compare;

/// <summary>
/// C = A·B for 1024x1024 matrices: MlNetConv's CPU SGEMM against LibTorch's (torch.addmm_ into C, no allocation). A
/// timed run is <see cref="Repeats"/> products back to back, about half a second (BenchmarkDotNet's default iteration
/// time), as BLAS benchmarks time a GEMM: one product lasts about 10 ms, and after the timer's settling pause this
/// virtual machine's cores take milliseconds to regain their speed and caches (measured on MlNetConv's: 10.7 ms back
/// to back, 12-17 ms after a pause of 2-50 ms), which would measure the wake-up rather than the multiply.
/// </summary>
internal static class SgemmCase
{
    private const int Repeats = 40;

    public static void Run(CompareSettings settings)
    {
        const int n = 1024;
        double flops = 2.0 * n * n * n * Repeats;
        float[] a = RandomValues.Uniform(n * n, 1), b = RandomValues.Uniform(n * n, 2), c = new float[n * n];
        Action ours = () =>
        {
            for (int i = 0; i < Repeats; i++) Sgemm.Multiply(false, false, n, n, n, 1f, a, n, b, n, 0f, c, n);
        };
        using var peer = settings.TorchAvailable ? new TorchGemm(a, b, n) : null;
        // This line is about the share of the peak, and this machine's pace drifts over seconds: after each repetition
        // the FMA loop runs for a fifth of a second, and each share is taken against it.
        var (oursMs, peerMs, oursShare, peerShare, gauge) = AlternatingTimer.MedianWithGauge(ours, peer is null ? null : peer.Run,
            () => FmaPeak.Once(settings.Threads, 0.2, settings.PeakGflops), flops, warmup: 1, settings.Runs(7, 15));
        double oursGflops = flops / (oursMs * 1e6);
        double? peerGflops = peerMs is { } p ? flops / (p * 1e6) : null;
        var shares = new List<(string, string)> { ("mlnetconv_peak_pct", Percent(oursShare)) };
        if (peerShare is { } ps) shares.Add(("peer_peak_pct", Percent(ps)));
        shares.Add(("peak_gflops", gauge.ToString("F1", CultureInfo.InvariantCulture)));
        Measurement.Print("sgemm_1024", oursGflops, TorchSharpPeer.Name, peerGflops, Unit.GflopsPerSecond, shares, settings.TorchUnavailable);
    }

    private static string Percent(double share) => (100 * share).ToString("F1", CultureInfo.InvariantCulture);

    /// <summary>Kept apart so that TorchSharp is touched only when it loaded.</summary>
    private sealed class TorchGemm(float[] a, float[] b, int n) : IDisposable
    {
        private readonly torch.Tensor _a = torch.tensor(a, [n, n]), _b = torch.tensor(b, [n, n]), _c = torch.zeros(n, n);

        public void Run()
        {
            for (int i = 0; i < Repeats; i++) _c.addmm_(_a, _b, beta: 0, alpha: 1);
        }

        public void Dispose()
        {
            _a.Dispose();
            _b.Dispose();
            _c.Dispose();
        }
    }
}
