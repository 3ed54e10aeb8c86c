using MlNetConv.Backends;
using MlNetConv.Backends.Cpu;
using MlNetConv.Geometry;
using MlNetConv.Tensors;

namespace MlNetConv.Tests.Backends;

/// <summary>
/// The CPU backend's element-wise kernels (Vector512 lanes, slice copies) against the reference kernels (one value at a
/// time) over random shapes: batch 1, odd sizes, lengths with and without a tail of 16. Per-element work must give the
/// same bits; the double-precision channel sums may differ by rounding only.
/// </summary>
public sealed class ElementwiseKernelParityTests
{
    private const double Tolerance = 1e-6;

    private static readonly CpuBackend Fast = new();
    private static readonly CpuBackend Reference = new(new CpuBackendOptions { ReferenceKernels = true });

    [Fact]
    public void FlatKernels_RandomLengths_MatchReferenceExactly()
    {
        var random = new RandomStream(61, "flat element-wise parity");
        for (int trial = 0; trial < 60; trial++)
        {
            var shape = RandomShape(random);
            float[] a = KernelParity.Uniform(shape.Size, random), b = KernelParity.Uniform(shape.Size, random);
            float alpha = random.Pick(-0.73f, 0f, 1f, 2.5f), fill = random.Pick(0f, -1.5f, float.NaN);
            var expected = RunFlat(Reference, shape, a, b, alpha, fill);
            var actual = RunFlat(Fast, shape, a, b, alpha, fill);
            foreach (var (name, e) in expected) KernelParity.AssertSameBits(e, actual[name], $"{shape} {name}");
        }
    }

    [Fact]
    public void Sum_RandomLengths_MatchReference()
    {
        var random = new RandomStream(62, "sum parity");
        for (int trial = 0; trial < 40; trial++)
        {
            var shape = RandomShape(random);
            var x = KernelParity.Uniform(shape.Size, random);
            using var fx = KernelParity.Upload(Fast, shape, x);
            using var rx = KernelParity.Upload(Reference, shape, x);
            double expected = Reference.Elementwise.Sum(rx), actual = Fast.Elementwise.Sum(fx);
            double magnitude = x.Sum(v => (double)Math.Abs(v));
            Assert.True(Math.Abs(actual - expected) <= 1e-12 * magnitude, $"{shape}: sum {actual}, expected {expected}");
        }
    }

    [Fact]
    public void ChannelKernels_RandomShapes_MatchReference()
    {
        // Bias, affine maps and their gradients, per-channel sums: the per-element outputs bit for bit, the sums over
        // (sample, position) within Tolerance of Σ|terms|.
        var random = new RandomStream(63, "channel element-wise parity");
        for (int trial = 0; trial < 50; trial++)
        {
            var shape = RandomShape(random);
            int c = shape.C;
            float[] x = KernelParity.Uniform(shape.Size, random), dy = KernelParity.Uniform(shape.Size, random);
            float[] scale = KernelParity.Uniform(c, random), shift = KernelParity.Uniform(c, random);
            var expected = RunChannels(Reference, shape, x, dy, scale, shift);
            var actual = RunChannels(Fast, shape, x, dy, scale, shift);
            foreach (string name in new[] { "bias", "affine", "inputGrad" })
                KernelParity.AssertSameBits(expected[name], actual[name], $"{shape} {name}");
            // magnitudes: the same sums over |terms| (every start value and term made non-negative)
            var magnitude = RunChannels(Reference, shape, KernelParity.Abs(x), KernelParity.Abs(dy), KernelParity.Abs(scale), KernelParity.Abs(shift));
            foreach (string name in new[] { "channelSums", "scaleGrad", "shiftGrad" })
                KernelParity.AssertClose(expected[name], actual[name], magnitude[name], Tolerance, $"{shape} {name}");
        }
    }

    [Fact]
    public void CopyChannelsAndRegion_RandomShapes_MatchReferenceExactly()
    {
        var random = new RandomStream(64, "copy parity");
        for (int trial = 0; trial < 60; trial++)
        {
            int rank = random.Between(1, 3), n = random.Pick(1, 1, 2, 3);
            int[] spatial = [.. Enumerable.Range(0, rank).Select(_ => random.Between(1, rank == 1 ? 40 : 9))];
            int cs = random.Between(1, 6), cd = random.Between(1, 6), channels = random.Between(1, Math.Min(cs, cd));
            int sourceChannel = random.Between(0, cs - channels), destinationChannel = random.Between(0, cd - channels);
            Shape source = new([n, cs, .. spatial]), destination = new([n, cd, .. spatial]);
            var x = KernelParity.Uniform(source.Size, random);
            var y = KernelParity.Uniform(destination.Size, random); // untouched outside the copied channels

            // A box of the source's planes copied into a larger destination of the same N and C.
            int[] grown = [.. spatial.Select(e => e + random.Between(0, 4))];
            Shape region = new([n, cs, .. grown]);
            var (sd, sh, sw) = source.Spatial3d;
            var (dd, dh, dw) = region.Spatial3d;
            var extent = new Int3(random.Between(1, sd), random.Between(1, sh), random.Between(1, sw));
            var sourceStart = new Int3(random.Between(0, sd - extent.D), random.Between(0, sh - extent.H), random.Between(0, sw - extent.W));
            var destinationStart = new Int3(random.Between(0, dd - extent.D), random.Between(0, dh - extent.H), random.Between(0, dw - extent.W));
            var z = KernelParity.Uniform(region.Size, random);

            float[] Run(IBackend backend, bool box)
            {
                using var from = KernelParity.Upload(backend, source, x);
                using var to = box ? KernelParity.Upload(backend, region, z) : KernelParity.Upload(backend, destination, y);
                if (box) backend.Elementwise.CopyRegion(from, sourceStart, to, destinationStart, extent);
                else backend.Elementwise.CopyChannels(from, sourceChannel, to, destinationChannel, channels);
                return to.ToArray();
            }
            KernelParity.AssertSameBits(Run(Reference, false), Run(Fast, false), $"{source} -> {destination} CopyChannels {sourceChannel}+{channels} -> {destinationChannel}");
            KernelParity.AssertSameBits(Run(Reference, true), Run(Fast, true), $"{source} -> {region} CopyRegion {sourceStart} -> {destinationStart} extent {extent}");
        }
    }

    [Fact]
    public void BroadcastSumToAndPermute_RandomShapes_MatchReferenceExactly()
    {
        // Operands repeated along random axes (rows contiguous, repeated or a single value), their reductions back, and
        // random permutations: the same element-wise operations, and the same double sums in the same order.
        var random = new RandomStream(66, "broadcast parity");
        for (int trial = 0; trial < 60; trial++)
        {
            int rank = random.Between(2, 5);
            int[] dims = [.. Enumerable.Range(0, rank).Select(k => k == rank - 1 ? random.Pick(1, 3, 16, 17, 35) : random.Between(1, 4))];
            Shape output = new(dims), a = Repeated(output, random), b = Repeated(output, random);
            float[] x = KernelParity.Uniform(a.Size, random), y = KernelParity.Uniform(b.Size, random), dy = KernelParity.Uniform(output.Size, random);
            int[] perm = [0, .. Enumerable.Range(1, rank - 1).OrderBy(_ => random.NextInt(1000))];
            Dictionary<string, float[]> Run(IBackend backend)
            {
                using var ta = KernelParity.Upload(backend, a, x);
                using var tb = KernelParity.Upload(backend, b, y);
                using var grad = KernelParity.Upload(backend, output, dy);
                using var sum = backend.Allocate(output);
                using var product = backend.Allocate(output);
                using var reduced = backend.Allocate(a);
                using var permuted = backend.Allocate(StridedLayout.Permuted(output, perm));
                backend.Elementwise.Broadcast(new AddOp(), ta, tb, sum);
                backend.Elementwise.Broadcast(new MultiplyOp(), tb, ta, product);
                backend.Elementwise.SumTo(grad, reduced);
                backend.Elementwise.CopyStrided(grad, StridedLayout.Permute(output, perm), permuted);
                return new() { ["add"] = sum.ToArray(), ["multiply"] = product.ToArray(), ["sumTo"] = reduced.ToArray(), ["permute"] = permuted.ToArray() };
            }
            var (expected, actual) = (Run(Reference), Run(Fast));
            foreach (var (name, e) in expected) KernelParity.AssertSameBits(e, actual[name], $"{a} and {b} to {output}, perm ({string.Join(", ", perm)}): {name}");
        }

        static Shape Repeated(Shape output, RandomStream random) => new([.. output.Select(d => random.NextInt(3) == 0 ? 1 : d)]);
    }

    [Fact]
    public void BorderPad_RandomShapes_MatchReferenceExactly()
    {
        // Both modes on 1..3 spatial axes, pads up to the extent (reflection) or beyond it (replication), extents of one.
        var random = new RandomStream(67, "border pad parity");
        for (int trial = 0; trial < 60; trial++)
        {
            var shape = RandomShape(random);
            var mode = random.Pick(BorderMode.Reflect, BorderMode.Replicate);
            int Pad(int extent) => mode == BorderMode.Reflect ? random.Between(0, extent - 1) : random.Between(0, 5);
            int[] begin = [.. shape.Skip(2).Select(Pad)], end = [.. shape.Skip(2).Select(Pad)];
            var g = BorderPadGeometry.Create(shape, begin, end, mode, "pad");
            var output = g.OutputShape(shape);
            float[] x = KernelParity.Uniform(shape.Size, random), dy = KernelParity.Uniform(output.Size, random);
            (float[], float[]) Run(IBackend backend)
            {
                using var input = KernelParity.Upload(backend, shape, x);
                using var grad = KernelParity.Upload(backend, output, dy);
                using var y = backend.Allocate(output);
                using var dx = backend.Allocate(shape);
                backend.Elementwise.BorderPadForward(g, input, y);
                backend.Elementwise.BorderPadBackward(g, grad, dx);
                return (y.ToArray(), dx.ToArray());
            }
            var ((ey, edx), (ay, adx)) = (Run(Reference), Run(Fast));
            KernelParity.AssertSameBits(ey, ay, $"{mode} {shape} by ({string.Join(", ", begin)}) and ({string.Join(", ", end)}): forward");
            KernelParity.AssertSameBits(edx, adx, $"{mode} {shape} by ({string.Join(", ", begin)}) and ({string.Join(", ", end)}): backward");
        }
    }

    [Fact]
    public void DropoutMask_RandomShapes_MatchReferenceExactly()
    {
        var random = new RandomStream(65, "dropout mask parity");
        for (int trial = 0; trial < 40; trial++)
        {
            var shape = RandomShape(random);
            float p = random.Pick(0f, 0.1f, 0.5f, 0.9f);
            ulong seed = random.NextUInt64();
            int blockSize = random.Pick(1, shape.SpatialSize); // element-wise and channel-wise dropout
            float[] Run(IBackend backend)
            {
                using var mask = backend.Allocate(shape);
                backend.Elementwise.DropoutMask(mask, p, seed, blockSize);
                return mask.ToArray();
            }
            KernelParity.AssertSameBits(Run(Reference), Run(Fast), $"{shape} p {p} block {blockSize}");
        }
    }

    /// <summary>(N, C, spatial...) with N often 1 and sizes around 16.</summary>
    private static Shape RandomShape(RandomStream random)
    {
        int n = random.Pick(1, 1, 2, 3), c = random.Between(1, 7);
        int[] spatial = random.NextInt(3) switch
        {
            0 => [random.Pick(1, 5, 15, 16, 17, 33, 47)],
            1 => [random.Between(1, 9), random.Pick(1, 3, 16, 17, 31)],
            _ => [random.Between(1, 4), random.Between(1, 5), random.Pick(2, 7, 16)],
        };
        return new Shape([n, c, .. spatial]);
    }

    private static Dictionary<string, float[]> RunFlat(IBackend backend, Shape shape, float[] a, float[] b, float alpha, float fill)
    {
        using var ta = KernelParity.Upload(backend, shape, a);
        using var tb = KernelParity.Upload(backend, shape, b);
        using var result = backend.Allocate(shape);
        var results = new Dictionary<string, float[]>();
        backend.Elementwise.Fill(result, fill);
        results["fill"] = result.ToArray();
        backend.Elementwise.Copy(ta, result);
        results["copy"] = result.ToArray();
        backend.Elementwise.Add(ta, tb, result);
        results["add"] = result.ToArray();
        backend.Elementwise.Multiply(ta, tb, result);
        results["multiply"] = result.ToArray();
        backend.Elementwise.Axpy(alpha, ta, result);
        results["axpy"] = result.ToArray();
        backend.Elementwise.Scale(result, alpha);
        results["scale"] = result.ToArray();
        return results;
    }

    private static Dictionary<string, float[]> RunChannels(IBackend backend, Shape shape, float[] x, float[] dy, float[] scale, float[] shift)
    {
        var channel = new Shape(shape.C);
        using var input = KernelParity.Upload(backend, shape, x);
        using var outputGrad = KernelParity.Upload(backend, shape, dy);
        using var a = KernelParity.Upload(backend, channel, scale);
        using var b = KernelParity.Upload(backend, channel, shift);
        using var output = backend.Allocate(shape);
        using var inputGrad = backend.Allocate(shape);
        using var sums = KernelParity.Upload(backend, channel, shift); // accumulated into
        using var scaleGrad = KernelParity.Upload(backend, channel, scale);
        using var shiftGrad = KernelParity.Upload(backend, channel, shift);
        using var biased = KernelParity.Upload(backend, shape, x);
        backend.Elementwise.AddChannelBias(b, biased);
        backend.Elementwise.AccumulateChannelSums(input, sums);
        backend.Elementwise.ChannelAffineForward(input, a, b, output);
        backend.Elementwise.ChannelAffineBackward(input, outputGrad, a, inputGrad, scaleGrad, shiftGrad);
        return new Dictionary<string, float[]>
        {
            ["bias"] = biased.ToArray(), ["channelSums"] = sums.ToArray(), ["affine"] = output.ToArray(),
            ["inputGrad"] = inputGrad.ToArray(), ["scaleGrad"] = scaleGrad.ToArray(), ["shiftGrad"] = shiftGrad.ToArray(),
        };
    }
}
