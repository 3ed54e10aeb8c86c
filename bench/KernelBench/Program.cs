using System.Diagnostics;
using System.Globalization;
using System.Runtime.Intrinsics;
using MlNetConv.Bench;
using MlNetConv.Backends;
using MlNetConv.Backends.Cpu;
using MlNetConv.Backends.Cpu.Gemm;
using MlNetConv.Geometry;
using MlNetConv.Tensors;

// Kernel throughput of the CPU backend: SGEMM and im2col+GEMM convolution, medians of repeated runs after warm-up.
// Usage: KernelBench [--runs N] [--reference] [--only sgemm|conv] [--case SUBSTRING]
//   --reference  also times the reference (direct-loop) kernels, the oracle of the tests (slow).
//   --case       runs only the cases whose name contains SUBSTRING.
// The FLOP counts are 2 * multiply-adds of the mathematical operation; peak_pct is against the 572 GFLOP/s FP32
// peak of a 2-core Zen 5 (2 x 4.47 GHz x 64 FLOP/cycle); machine_pct against an FMA loop measured on this machine;
// per_core_pct divides by the CPU time the process used (all threads) instead of the wall time, against the FMA loop on
// one core: it stays meaningful when another process competes for the cores.

int runs = 7;
bool reference = false;
string? only = null;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--runs": runs = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--reference": reference = true; break;
        case "--only": only = args[++i]; break;
        case "--case": Bench.Filter = args[++i]; break;
        default: Console.Error.WriteLine($"unknown argument {args[i]}"); return 2;
    }
}

double machinePeak = FmaPeak.Measure(Environment.ProcessorCount);
double corePeak = FmaPeak.Measure(1);
Console.WriteLine(Bench.Invariant($"# threads={Environment.ProcessorCount} vector512={Vector512.IsHardwareAccelerated} runs={runs} (median after warm-up)"));
Console.WriteLine(Bench.Invariant($"case=fma_loop mlnetconv={machinePeak:F1} unit=GFLOP/s peak_pct={100 * machinePeak / Bench.ReferencePeak:F1} one_core={corePeak:F1} note=FP32 peak of this machine now: an FMA loop on all threads, and on one"));

if (only is null or "sgemm")
{
    foreach (int size in new[] { 256, 1024 })
    {
        var a = RandomValues.Uniform(size * size, 1);
        var b = RandomValues.Uniform(size * size, 2);
        var c = new float[size * size];
        double flops = 2.0 * size * size * size;
        Bench.Case($"sgemm_{size}", flops, runs, () => Sgemm.Multiply(false, false, size, size, size, 1f, a, size, b, size, 0f, c, size), machinePeak, corePeak);
    }
    {
        // Dense-layer shapes: batch 256, 1024 -> 1024: forward x·Wᵀ, backward-weights dyᵀ·x.
        int n = 256, k = 1024, m = 1024;
        var x = RandomValues.Uniform(n * k, 3);
        var w = RandomValues.Uniform(m * k, 4);
        var y = new float[n * m];
        Bench.Case("sgemm_nt_256x1024x1024", 2.0 * n * m * k, runs, () => Sgemm.Multiply(false, true, n, m, k, 1f, x, k, w, k, 0f, y, m), machinePeak, corePeak);
        var dw = new float[m * k];
        Bench.Case("sgemm_tn_1024x1024x256", 2.0 * n * m * k, runs, () => Sgemm.Multiply(true, false, m, k, n, 1f, y, m, x, k, 1f, dw, k), machinePeak, corePeak);
    }
}

if (only is null or "conv")
{
    var backends = new List<(string Name, IBackend Backend)> { ("mlnetconv", new CpuBackend()) };
    if (reference) backends.Add(("reference", new CpuBackend(new CpuBackendOptions { ReferenceKernels = true })));
    foreach (var (name, backend) in backends)
    {
        // ResNet-style 3x3 64 -> 64 on 56x56, batch 32, padding 1; and LeNet-5's C1 (5x5 1 -> 6 on 32x32), batch 64.
        ConvCases(backend, name, "conv3x3_64x64_56x56_b32", new Shape(32, 64, 56, 56), 64, 3, 1, name == "reference" ? 3 : runs, machinePeak, corePeak, parts: true);
        ConvCases(backend, name, "conv5x5_1x6_32x32_b64", new Shape(64, 1, 32, 32), 6, 5, 0, runs, machinePeak, corePeak, parts: false);
        DenseCase(backend, name, "dense_400x120_b64", 64, 400, 120, runs, machinePeak, corePeak);
    }
}
return 0;

static void ConvCases(IBackend backend, string impl, string name, Shape inputShape, int outChannels, int kernel, int padding, int runs,
    double machinePeak, double corePeak, bool parts)
{
    int batch = inputShape.N, rank = inputShape.Rank - 2;
    var g = ConvGeometry.Create(inputShape, outChannels, Enumerable.Repeat(kernel, rank).ToArray(), Enumerable.Repeat(1, rank).ToArray(),
        Enumerable.Repeat(1, rank).ToArray(), padding, 1, null, name);
    double flops = 2.0 * batch * g.OutChannels * g.Output.Volume * g.InChannels * g.KernelVolume;
    using var x = backend.Allocate(g.InputShape(batch));
    using var w = backend.Allocate(g.WeightShape);
    using var bias = backend.Allocate(new Shape(outChannels));
    using var y = backend.Allocate(g.OutputShape(batch));
    using var dy = backend.Allocate(g.OutputShape(batch));
    using var dx = backend.Allocate(g.InputShape(batch));
    using var dw = backend.Allocate(g.WeightShape);
    using var db = backend.Allocate(new Shape(outChannels));
    x.CopyFrom(RandomValues.Uniform(x.Size, 5));
    w.CopyFrom(RandomValues.Uniform(w.Size, 6));
    dy.CopyFrom(RandomValues.Uniform(dy.Size, 7));
    Bench.Case(name + "_fwd", flops, runs, () => backend.Convolution.Forward(g, x, w, bias, y), machinePeak, corePeak, impl);
    Bench.Case(name + "_fwd_bwd", 3 * flops, runs, () =>
    {
        backend.Convolution.Forward(g, x, w, bias, y);
        backend.Convolution.BackwardWeights(g, x, dy, dw, db);
        backend.Convolution.BackwardData(g, dy, w, dx);
    }, machinePeak, corePeak, impl);
    if (!parts) return;
    Bench.Case(name + "_bwd_data", flops, runs, () => backend.Convolution.BackwardData(g, dy, w, dx), machinePeak, corePeak, impl);
    Bench.Case(name + "_bwd_weights", flops, runs, () => backend.Convolution.BackwardWeights(g, x, dy, dw, db), machinePeak, corePeak, impl);
}

static void DenseCase(IBackend backend, string impl, string name, int batch, int inSize, int outSize, int runs, double machinePeak, double corePeak)
{
    double flops = 2.0 * batch * inSize * outSize;
    using var x = backend.Allocate(new Shape(batch, inSize));
    using var w = backend.Allocate(new Shape(outSize, inSize));
    using var b = backend.Allocate(new Shape(outSize));
    using var y = backend.Allocate(new Shape(batch, outSize));
    using var dy = backend.Allocate(new Shape(batch, outSize));
    using var dx = backend.Allocate(new Shape(batch, inSize));
    using var dw = backend.Allocate(new Shape(outSize, inSize));
    using var db = backend.Allocate(new Shape(outSize));
    x.CopyFrom(RandomValues.Uniform(x.Size, 8));
    w.CopyFrom(RandomValues.Uniform(w.Size, 9));
    dy.CopyFrom(RandomValues.Uniform(dy.Size, 10));
    Bench.Case(name + "_fwd_bwd", 3 * flops, runs, () =>
    {
        backend.Dense.Forward(x, w, b, y);
        backend.Dense.BackwardWeights(x, dy, dw, db);
        backend.Dense.BackwardData(dy, w, dx);
    }, machinePeak, corePeak, impl);
}

/// <summary>Median wall time of one run and the mean CPU time (all threads) of one run.</summary>
internal readonly record struct Measurement(double WallMs, double CpuMsPerRun);

/// <summary>Runs and reports one case: its name, GFLOP/s, and the share of the peaks.</summary>
internal static class Bench
{
    /// <summary>FP32 peak of a 2-core Zen 5: 2 cores x 4.47 GHz x 64 FLOP/cycle.</summary>
    public const double ReferencePeak = 572.0;

    /// <summary>Only cases whose name contains this run (all when null).</summary>
    public static string? Filter { get; set; }

    public static void Case(string name, double flops, int runs, Action action, double machinePeak, double corePeak, string impl = "mlnetconv")
    {
        if (Filter is not null && !name.Contains(Filter, StringComparison.Ordinal)) return;
        Report(name, flops, Time(runs, action), machinePeak, corePeak, impl);
    }

    public static void Report(string name, double flops, Measurement m, double machinePeak, double corePeak, string impl = "mlnetconv")
    {
        double gflops = flops / (m.WallMs * 1e6);
        // Per-core efficiency from the CPU time the process used: robust when another process shares the cores.
        double perCore = flops / (m.CpuMsPerRun * 1e6);
        Console.WriteLine(Invariant($"case={name} {impl}={gflops:F1} unit=GFLOP/s peak_pct={100 * gflops / ReferencePeak:F1} machine_pct={100 * gflops / machinePeak:F1} per_core_pct={100 * perCore / corePeak:F1} median_ms={m.WallMs:F2}"));
    }

    public static Measurement Time(int runs, Action action)
    {
        for (int i = 0; i < 3; i++) action();
        var times = new double[Math.Max(runs, 1)];
        var process = System.Diagnostics.Process.GetCurrentProcess();
        process.Refresh();
        var cpuStart = process.TotalProcessorTime;
        for (int i = 0; i < times.Length; i++)
        {
            long start = Stopwatch.GetTimestamp();
            action();
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        process.Refresh();
        double cpuMs = (process.TotalProcessorTime - cpuStart).TotalMilliseconds / times.Length;
        Array.Sort(times);
        return new Measurement(times[times.Length / 2], cpuMs);
    }

    public static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
