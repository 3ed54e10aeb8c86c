using MlNetConv.Backends;
using MlNetConv.Backends.Cpu;
using MlNetConv.Geometry;
using MlNetConv.Tensors;

namespace MlNetConv.Tests.Backends;

/// <summary>
/// The CPU backend's upsampling and locally connected kernels (threaded, float sums for the scatters and the locally
/// connected forward) against the reference kernels (one thread, every sum in double) over random 1D/2D/3D geometries,
/// batch 1 and odd sizes. Each value may differ by float rounding of its sum: Tolerance times Σ|terms|, which the
/// reference computes by running on the absolute values of every input.
/// </summary>
public sealed class UpsamplingLocallyConnectedKernelParityTests
{
    private const double Tolerance = 1e-5;

    private static readonly CpuBackend Fast = new();
    private static readonly CpuBackend Reference = new(new CpuBackendOptions { ReferenceKernels = true });

    [Fact]
    public void Upsampling_RandomGeometries_MatchReference()
    {
        var random = new RandomStream(81, "upsampling parity");
        int checkedCases = 0;
        for (int trial = 0; trial < 60; trial++)
        {
            int rank = random.Between(1, 3), n = random.Pick(1, 1, 2), c = random.Between(1, 4);
            int[] spatial = [.. Enumerable.Range(0, rank).Select(_ => random.Between(1, rank == 3 ? 5 : 11))];
            var mode = random.Pick(UpsampleMode.Nearest, UpsampleMode.Linear);
            bool alignCorners = mode == UpsampleMode.Linear && random.NextInt(2) == 0;
            bool bySize = random.NextInt(2) == 0;
            double[]? scale = bySize ? null : [.. Enumerable.Range(0, rank).Select(_ => random.Pick(0.5, 1.0, 1.5, 2.0, 3.0))];
            int[]? size = bySize ? [.. spatial.Select(e => random.Between(1, 3 * e + 1))] : null;
            var input = new Shape([n, c, .. spatial]);
            UpsampleGeometry g;
            try
            {
                g = UpsampleGeometry.Create(input, scale, size, mode, alignCorners, "upsample");
            }
            catch (ArgumentException)
            {
                continue; // scaled to an empty output
            }
            var output = g.OutputShape(n);
            var x = KernelParity.Uniform(input.Size, random);
            var dy = KernelParity.Uniform(output.Size, random);
            var expected = RunUpsampling(Reference, g, input, output, x, dy);
            var actual = RunUpsampling(Fast, g, input, output, x, dy);
            var magnitude = RunUpsampling(Reference, g, input, output, KernelParity.Abs(x), KernelParity.Abs(dy));
            string what = $"trial {trial}: {input} -> {output} {mode} align {alignCorners}";
            foreach (var (name, e) in expected) KernelParity.AssertClose(e, actual[name], magnitude[name], Tolerance, $"{what} {name}");
            checkedCases++;
        }
        Assert.True(checkedCases >= 50, $"only {checkedCases} geometries were checked");
    }

    [Fact]
    public void LocallyConnected_RandomGeometries_MatchReference()
    {
        var random = new RandomStream(82, "locally connected parity");
        int checkedCases = 0;
        for (int trial = 0; trial < 60; trial++)
        {
            int rank = random.Between(1, 3), n = random.Pick(1, 1, 2, 3), cin = random.Between(1, 4), cout = random.Between(1, 5);
            int[] spatial = [.. Enumerable.Range(0, rank).Select(_ => random.Between(1, rank == 3 ? 5 : 9))];
            int[] kernel = [.. Enumerable.Range(0, rank).Select(_ => random.Between(1, 3))];
            int[] stride = [.. Enumerable.Range(0, rank).Select(_ => random.Pick(1, 1, 2))];
            int[] dilation = [.. Enumerable.Range(0, rank).Select(_ => random.Pick(1, 1, 2))];
            int[] padding = [.. kernel.Select(k => random.Between(0, k - 1))];
            var input = new Shape([n, cin, .. spatial]);
            ConvGeometry g;
            try
            {
                g = ConvGeometry.Create(input, cout, kernel, stride, dilation, Padding.Explicit(padding), groups: 1, table: null, "local");
            }
            catch (ArgumentException)
            {
                continue; // the dilated kernel is larger than the padded input
            }
            int positions = g.Output.Volume;
            var output = new Shape([n, cout, .. g.Output.ToArray(rank)]);
            Shape weightShape = new(positions, cout, cin * g.KernelVolume), biasShape = new([cout, .. g.Output.ToArray(rank)]);
            bool hasBias = random.NextInt(3) != 0;
            var values = new Dictionary<string, float[]>
            {
                ["x"] = KernelParity.Uniform(input.Size, random), ["w"] = KernelParity.Uniform(weightShape.Size, random),
                ["b"] = KernelParity.Uniform(biasShape.Size, random), ["dy"] = KernelParity.Uniform(output.Size, random),
                ["dw"] = KernelParity.Uniform(weightShape.Size, random), ["db"] = KernelParity.Uniform(biasShape.Size, random), // accumulated into
            };
            var expected = RunLocallyConnected(Reference, g, input, output, weightShape, biasShape, hasBias, values);
            var actual = RunLocallyConnected(Fast, g, input, output, weightShape, biasShape, hasBias, values);
            var magnitude = RunLocallyConnected(Reference, g, input, output, weightShape, biasShape, hasBias, values.ToDictionary(e => e.Key, e => KernelParity.Abs(e.Value)));
            string what = $"trial {trial}: {input} -> {output} kernel {string.Join("x", kernel)} stride {string.Join("x", stride)} dilation {string.Join("x", dilation)} padding {string.Join("x", padding)} bias {hasBias}";
            foreach (var (name, e) in expected) KernelParity.AssertClose(e, actual[name], magnitude[name], Tolerance, $"{what} {name}");
            checkedCases++;
        }
        Assert.True(checkedCases >= 40, $"only {checkedCases} geometries were checked");
    }

    private static Dictionary<string, float[]> RunUpsampling(IBackend backend, UpsampleGeometry g, Shape input, Shape output, float[] x, float[] dy)
    {
        using var tx = KernelParity.Upload(backend, input, x);
        using var tdy = KernelParity.Upload(backend, output, dy);
        using var y = backend.Allocate(output);
        using var dx = KernelParity.Upload(backend, input, x); // overwritten
        backend.Upsampling.Forward(g, tx, y);
        backend.Upsampling.Backward(g, tdy, dx);
        return new() { ["output"] = y.ToArray(), ["inputGrad"] = dx.ToArray() };
    }

    private static Dictionary<string, float[]> RunLocallyConnected(IBackend backend, ConvGeometry g, Shape input, Shape output, Shape weightShape, Shape biasShape,
        bool hasBias, Dictionary<string, float[]> values)
    {
        using var x = KernelParity.Upload(backend, input, values["x"]);
        using var w = KernelParity.Upload(backend, weightShape, values["w"]);
        using var b = hasBias ? KernelParity.Upload(backend, biasShape, values["b"]) : null;
        using var dy = KernelParity.Upload(backend, output, values["dy"]);
        using var dw = KernelParity.Upload(backend, weightShape, values["dw"]);
        using var db = hasBias ? KernelParity.Upload(backend, biasShape, values["db"]) : null;
        using var y = KernelParity.Upload(backend, output, values["dy"]); // overwritten
        using var dx = KernelParity.Upload(backend, input, values["x"]);  // overwritten
        backend.LocallyConnected.Forward(g, x, w, b, y);
        backend.LocallyConnected.BackwardData(g, dy, w, dx);
        backend.LocallyConnected.BackwardWeights(g, x, dy, dw, db);
        return new() { ["output"] = y.ToArray(), ["inputGrad"] = dx.ToArray(), ["weightGrad"] = dw.ToArray(), ["biasGrad"] = db?.ToArray() ?? [] };
    }
}
