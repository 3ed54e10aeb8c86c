using MlNetConv.Backends;
using MlNetConv.Backends.Cpu;
using MlNetConv.Geometry;
using MlNetConv.Tensors;

namespace MlNetConv.Tests.Backends;

/// <summary>
/// The CPU backend's fast max pooling and ReLU against the reference kernels: bit-identical values and the same indices
/// over random 1D/2D/3D geometries (kernel, stride and dilation per axis, padding symmetric or begin and end apart, ceil
/// mode, batch 1, odd sizes) and values with ties, infinities, NaN and signed zeros.
/// </summary>
public sealed class PoolingActivationKernelParityTests
{
    private static readonly CpuBackend Fast = new();
    private static readonly CpuBackend Reference = new(new CpuBackendOptions { ReferenceKernels = true });

    [Fact]
    public void MaxPooling_RandomGeometries_MatchReferenceExactly()
    {
        var random = new RandomStream(31, "max pooling parity");
        int checkedCases = 0;
        for (int trial = 0; trial < 200; trial++)
        {
            int rank = random.Between(1, 3), n = random.Pick(1, 1, 2, 3), c = random.Between(1, 5);
            int[] spatial = [.. Enumerable.Range(0, rank).Select(_ => rank switch { 1 => random.Between(1, 40), 2 => random.Between(1, 17), _ => random.Between(1, 7) })];
            int[] kernel = [.. Enumerable.Range(0, rank).Select(_ => random.Between(1, 4))];
            int[] stride = [.. Enumerable.Range(0, rank).Select(_ => random.Pick(1, 2, 2, 3))];
            int[] dilation = [.. Enumerable.Range(0, rank).Select(_ => random.Pick(1, 1, 1, 2))];
            int[] begin = [.. kernel.Select(k => random.Between(0, k / 2))];
            // Half the trials pad the end apart from the begin (ONNX's pads), anywhere below the kernel size.
            int[]? end = random.NextInt(2) == 0 ? null : [.. kernel.Select(k => random.Between(0, k - 1))];
            var padding = end is null ? Padding.Explicit(begin) : Padding.Explicit(begin, end);
            var input = new Shape([n, c, .. spatial]);
            PoolGeometry g;
            try
            {
                g = PoolGeometry.Create(input, kernel, stride, padding, dilation, ceilMode: random.Pick(false, true), countIncludePad: false, "pool");
            }
            catch (ArgumentException)
            {
                continue; // too small for the window
            }
            if (HasEmptyWindow(g)) continue; // neither kernel defines a window with no tap inside the input
            var values = Values(input.Size, random);
            var (fastY, fastIndex) = MaxForward(Fast, g, input, values);
            var (refY, refIndex) = MaxForward(Reference, g, input, values);
            string what = $"trial {trial}: input {input}, kernel {string.Join("x", kernel)}, stride {string.Join("x", stride)}, padding {padding}, dilation {string.Join("x", dilation)}, ceil {g.CeilMode}";
            Assert.True(refIndex.SequenceEqual(fastIndex), $"{what}: indices differ");
            Assert.True(refY.Select(BitConverter.SingleToInt32Bits).SequenceEqual(fastY.Select(BitConverter.SingleToInt32Bits)), $"{what}: values differ");
            checkedCases++;
        }
        Assert.True(checkedCases >= 150, $"only {checkedCases} geometries were checked");
    }

    [Theory]
    [InlineData(new[] { 2, 3, 33, 70 }, new[] { 3, 3 }, new[] { 2, 2 }, new[] { 1, 1 }, new[] { 1, 1 })] // the ResNet stem, 16 windows at a time
    [InlineData(new[] { 1, 2, 9, 53 }, new[] { 2, 3 }, new[] { 1, 1 }, new[] { 0, 1 }, new[] { 1, 1 })] // stride 1 runs and ragged ends
    [InlineData(new[] { 1, 2, 7, 61 }, new[] { 3, 3 }, new[] { 1, 2 }, new[] { 1, 1 }, new[] { 2, 2 })] // dilated
    [InlineData(new[] { 2, 1, 3, 4, 40 }, new[] { 2, 2, 3 }, new[] { 1, 1, 2 }, new[] { 0, 1, 1 }, new[] { 1, 1, 1 })] // 3D
    [InlineData(new[] { 1, 3, 100 }, new[] { 4 }, new[] { 2 }, new[] { 2 }, new[] { 1 })] // 1D
    [InlineData(new[] { 2, 2, 9, 57 }, new[] { 3, 3 }, new[] { 2, 2 }, new[] { 1, 1, 0, 0 }, new[] { 1, 1 })] // CNTK's ResNet-18 pool: pads [1, 1, 0, 0]
    [InlineData(new[] { 1, 2, 6, 47 }, new[] { 1, 7 }, new[] { 1, 1 }, new[] { 0, 3, 0, 2 }, new[] { 1, 1 })] // 1x7, end padded less
    [InlineData(new[] { 1, 2, 5, 6, 37 }, new[] { 3, 2, 2 }, new[] { 2, 1, 2 }, new[] { 2, 0, 1, 0, 1, 1 }, new[] { 1, 2, 1 })] // (3, 2, 2)
    public void MaxPooling_WideRows_MatchReferenceExactly(int[] input, int[] kernel, int[] stride, int[] pads, int[] dilation)
    {
        var shape = new Shape(input);
        var padding = pads.Length == kernel.Length ? Padding.Explicit(pads) : Padding.FromPads(pads);
        var g = PoolGeometry.Create(shape, kernel, stride, padding, dilation, ceilMode: false, countIncludePad: false, "pool");
        for (int seed = 0; seed < 4; seed++)
        {
            var values = Values(shape.Size, new RandomStream(33, $"wide rows {seed}"));
            var (fastY, fastIndex) = MaxForward(Fast, g, shape, values);
            var (refY, refIndex) = MaxForward(Reference, g, shape, values);
            Assert.Equal(refIndex, fastIndex);
            Assert.Equal(refY.Select(BitConverter.SingleToInt32Bits), fastY.Select(BitConverter.SingleToInt32Bits));
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(1000)]
    [InlineData(200_003)] // several parallel blocks and a ragged tail
    public void Relu_ForwardAndBackward_MatchReferenceExactly(int count)
    {
        var random = new RandomStream(32, $"relu {count}");
        var x = Values(count, random);
        var dy = Values(count, random);
        Assert.Equal(Bits(Relu(Reference, x, dy)), Bits(Relu(Fast, x, dy)));
    }

    private static (float[] Y, int[] Indices) MaxForward(CpuBackend backend, PoolGeometry g, Shape input, float[] values)
    {
        using var x = backend.Allocate(input);
        backend.Upload(values, x);
        var outShape = g.OutputShape(input.N);
        using var y = backend.Allocate(outShape);
        using var indices = backend.AllocateIndices(outShape);
        backend.Pooling.MaxForward(g, x, y, indices);
        var found = new int[outShape.Size];
        backend.DownloadIndices(indices, found);
        return (y.ToArray(), found);
    }

    private static (float[] Y, float[] Dx) Relu(CpuBackend backend, float[] values, float[] grad)
    {
        var shape = new Shape(values.Length);
        using var x = backend.Allocate(shape);
        using var dy = backend.Allocate(shape);
        using var y = backend.Allocate(shape);
        using var dx = backend.Allocate(shape);
        backend.Upload(values, x);
        backend.Upload(grad, dy);
        backend.Activation.Forward(default(ReluOp), x, y);
        backend.Activation.Backward(default(ReluOp), x, y, dy, dx);
        return (y.ToArray(), dx.ToArray());
    }

    private static int[] Bits((float[] Y, float[] Dx) r) => [.. r.Y.Concat(r.Dx).Select(BitConverter.SingleToInt32Bits)];

    /// <summary>Uniform values in [-1, 1) rounded to eighths (many ties), with some ±0, ±∞ and NaN.</summary>
    private static float[] Values(int count, RandomStream random)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++)
            values[i] = random.NextInt(40) switch
            {
                0 => float.NaN,
                1 => float.NegativeInfinity,
                2 => float.PositiveInfinity,
                3 => -0f,
                4 => 0f,
                _ => MathF.Round((float)(random.NextDouble() * 2 - 1) * 8) / 8,
            };
        return values;
    }

    private static bool HasEmptyWindow(PoolGeometry g)
    {
        static bool Empty(int outputs, int inputs, int kernel, int stride, int pad, int dilation) =>
            Enumerable.Range(0, outputs).Any(o => Enumerable.Range(0, kernel).All(k => (uint)(o * stride - pad + k * dilation) >= (uint)inputs));
        return Empty(g.Output.D, g.Input.D, g.Kernel.D, g.Stride.D, g.PadBegin.D, g.Dilation.D)
            || Empty(g.Output.H, g.Input.H, g.Kernel.H, g.Stride.H, g.PadBegin.H, g.Dilation.H)
            || Empty(g.Output.W, g.Input.W, g.Kernel.W, g.Stride.W, g.PadBegin.W, g.Dilation.W);
    }
}
