using MlNetConv.Backends.Cpu.Gemm;
using TorchSharp;

namespace MlNetConv.Bench.Compare;

/// <summary>C = A·B for 1024x1024 matrices: MlNetConv's CPU SGEMM against LibTorch's (torch.addmm_ into C, no allocation).</summary>
internal static class SgemmCase
{
    public static void Run(CompareSettings settings)
    {
        const int n = 1024;
        double flops = 2.0 * n * n * n;
        float[] a = RandomValues.Uniform(n * n, 1), b = RandomValues.Uniform(n * n, 2), c = new float[n * n];
        Action ours = () => Sgemm.Multiply(false, false, n, n, n, 1f, a, n, b, n, 0f, c, n);
        using var peer = settings.TorchAvailable ? new TorchGemm(a, b, n) : null;
        var (oursMs, peerMs) = AlternatingTimer.Median(ours, peer is null ? null : peer.Run, warmup: 3, settings.Runs(10, 30));
        double oursGflops = flops / (oursMs * 1e6);
        double? peerGflops = peerMs is { } p ? flops / (p * 1e6) : null;
        Measurement.Print("sgemm_1024", oursGflops, TorchSharpPeer.Name, peerGflops, Unit.GflopsPerSecond,
            Measurement.PeakShares(oursGflops, peerGflops, settings.PeakGflops), settings.TorchUnavailable);
    }

    /// <summary>Kept apart so that TorchSharp is touched only when it loaded.</summary>
    private sealed class TorchGemm(float[] a, float[] b, int n) : IDisposable
    {
        private readonly torch.Tensor _a = torch.tensor(a, [n, n]), _b = torch.tensor(b, [n, n]), _c = torch.zeros(n, n);

        public void Run() => _c.addmm_(_a, _b, beta: 0, alpha: 1);

        public void Dispose()
        {
            _a.Dispose();
            _b.Dispose();
            _c.Dispose();
        }
    }
}
