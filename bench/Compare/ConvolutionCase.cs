using MlNetConv.Backends;
using MlNetConv.Backends.Cpu;
using MlNetConv.Geometry;
using MlNetConv.Tensors;
using TorchSharp;
using static TorchSharp.torch.nn;

namespace MlNetConv.Bench.Compare;

/// <summary>
/// ResNet's 3x3 64 -> 64 convolution on 56x56, batch 32, padding 1: the forward pass, and forward plus both gradients
/// (data and weights, bias included). MlNetConv runs the CPU backend's kernels in the order the Conv2d layer calls them;
/// TorchSharp runs conv2d without autograd for the forward and torch.autograd.grad for the gradients.
/// </summary>
internal static class ConvolutionCase
{
    private const int Batch = 32, Channels = 64, Size = 56;

    public static void Run(CompareSettings settings)
    {
        IBackend backend = new CpuBackend();
        var g = ConvGeometry.Create(new Shape(Batch, Channels, Size, Size), Channels, [3, 3], [1, 1], [1, 1], 1, 1, null, "conv3x3");
        double flops = 2.0 * Batch * g.OutChannels * g.Output.Volume * g.InChannels * g.KernelVolume;
        float[] xs = RandomValues.Uniform(g.InputShape(Batch).Size, 5), ws = RandomValues.Uniform(g.WeightShape.Size, 6),
            bs = RandomValues.Uniform(Channels, 7), dys = RandomValues.Uniform(g.OutputShape(Batch).Size, 8);
        using var x = Upload(backend, g.InputShape(Batch), xs);
        using var w = Upload(backend, g.WeightShape, ws);
        using var bias = Upload(backend, new Shape(Channels), bs);
        using var dy = Upload(backend, g.OutputShape(Batch), dys);
        using var y = backend.Allocate(g.OutputShape(Batch));
        using var dx = backend.Allocate(g.InputShape(Batch));
        using var dw = backend.Allocate(g.WeightShape);
        using var db = backend.Allocate(new Shape(Channels));
        using var peer = settings.TorchAvailable ? new TorchConvolution(xs, ws, bs, dys) : null;

        Action forward = () => backend.Convolution.Forward(g, x, w, bias, y);
        Action forwardBackward = () =>
        {
            backend.Convolution.Forward(g, x, w, bias, y);
            backend.Convolution.BackwardWeights(g, x, dy, dw, db);
            backend.Convolution.BackwardData(g, dy, w, dx);
        };
        int runs = settings.Runs(5, 15);
        Report("conv3x3_64x64_56x56_b32_fwd", flops, AlternatingTimer.Median(forward, peer is null ? null : peer.Forward, 2, runs), settings);
        Report("conv3x3_64x64_56x56_b32_fwd_bwd", 3 * flops,
            AlternatingTimer.Median(forwardBackward, peer is null ? null : peer.ForwardBackward, 2, runs), settings);
    }

    private static void Report(string name, double flops, (double OursMs, double? PeerMs) t, CompareSettings settings) =>
        Measurement.Print(name, t.OursMs, TorchSharpPeer.Name, t.PeerMs, Unit.Milliseconds,
            Measurement.Flops(flops, t.OursMs, t.PeerMs, settings.PeakGflops), settings.TorchUnavailable);

    private static Tensor Upload(IBackend backend, Shape shape, float[] values)
    {
        var t = backend.Allocate(shape);
        t.CopyFrom(values);
        return t;
    }

    /// <summary>The same tensors in LibTorch (NCHW, float32).</summary>
    private sealed class TorchConvolution : IDisposable
    {
        private readonly torch.Tensor _x, _w, _b, _dy;
        private readonly long[] _padding = [1, 1];

        public TorchConvolution(float[] x, float[] w, float[] b, float[] dy)
        {
            _x = torch.tensor(x, [Batch, Channels, Size, Size]).requires_grad_(true);
            _w = torch.tensor(w, [Channels, Channels, 3, 3]).requires_grad_(true);
            _b = torch.tensor(b, [Channels]).requires_grad_(true);
            _dy = torch.tensor(dy, [Batch, Channels, Size, Size]);
        }

        public void Forward()
        {
            using var noGrad = torch.no_grad();
            using var y = functional.conv2d(_x, _w, _b, padding: _padding);
        }

        public void ForwardBackward()
        {
            using var scope = torch.NewDisposeScope();
            var y = functional.conv2d(_x, _w, _b, padding: _padding);
            torch.autograd.grad([y], [_x, _w, _b], [_dy]);
        }

        public void Dispose()
        {
            _x.Dispose();
            _w.Dispose();
            _b.Dispose();
            _dy.Dispose();
        }
    }
}
