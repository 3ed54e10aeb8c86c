using System.Diagnostics;
using System.Globalization;
using ILGPU.Runtime;
using MlNetConv.Backends;
using MlNetConv.Conformance;
using MlNetConv.Gpu;
using MlNetConv.Gpu.Cuda;
using MlNetConv.Gpu.Kernels;
using MlNetConv.Graphs;
using MlNetConv.Losses;
using MlNetConv.Optimizers;
using MlNetConv.Tensors;
using MlNetConv.Zoo;

// mlnetconv GPU bench:
//   info                         the CUDA devices and what the backend uses on them
//   parity [--cpu-accelerator]   the backend conformance suite against the CPU reference (CUDA device 0, or ILGPU's CPU accelerator)
//   sgemm [size]                 C = A·B of size³ (default 4096): GFLOP/s of the ILGPU tiled kernel and of cuBLAS
//   resnet18 [size] [batch] [steps]   training throughput (images/s) of ResNet-18 on random data, SGD with momentum
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
string mode = args.Length > 0 ? args[0] : "info";
int Arg(int index, int fallback) => args.Length > index && int.TryParse(args[index], out int v) ? v : fallback;
try
{
    return mode switch
    {
        "info" => Bench.Info(),
        "parity" => Bench.Parity(args.Contains("--cpu-accelerator")),
        "sgemm" => Bench.Sgemm(Arg(1, 4096)),
        "resnet18" => Bench.ResNet18(Arg(1, 224), Arg(2, 128), Arg(3, 20), args.Contains("--cpu-accelerator")),
        _ => throw new ArgumentException($"Unknown mode '{mode}': use info, parity, sgemm or resnet18."),
    };
}
catch (Exception e)
{
    Console.Error.WriteLine($"error: {e}");
    return 2;
}

internal static class Bench
{
    public static int Info()
    {
        var devices = GpuBackend.ListCudaDevices();
        Console.WriteLine($"CUDA devices: {(devices.Count == 0 ? "none" : string.Join("; ", devices))}");
        if (devices.Count == 0) return 1;
        using var backend = GpuBackend.CreateCuda(0);
        Console.WriteLine(backend);
        if (backend.CuBlasUnavailableReason is { } reason) Console.WriteLine($"cuBLAS not used: {reason}");
        return 0;
    }

    public static int Parity(bool cpuAccelerator)
    {
        using var backend = cpuAccelerator ? GpuBackend.CreateCpuAccelerator() : GpuBackend.CreateCuda(0);
        using var direct = cpuAccelerator
            ? GpuBackend.CreateCpuAccelerator(new GpuBackendOptions { Convolution = ConvolutionAlgorithm.Direct })
            : GpuBackend.CreateCuda(0, new GpuBackendOptions { Convolution = ConvolutionAlgorithm.Direct });
        Console.WriteLine($"parity of {backend} against the CPU reference kernels");
        int passed = 0, failed = 0;
        void Check(string name, Action action)
        {
            var clock = Stopwatch.StartNew();
            try
            {
                action();
                passed++;
                Console.WriteLine($"  ok   {name} ({clock.ElapsedMilliseconds} ms)");
            }
            catch (Exception e)
            {
                failed++;
                Console.WriteLine($"  FAIL {name}: {e.GetType().Name}: {e.Message}");
            }
        }
        foreach (var c in BackendConformance.Cases) Check(c.ToString(), () => BackendConformance.Run(c, backend));
        foreach (var c in BackendConformance.Cases.Where(c => c.Family == BackendConformance.Convolution))
            Check($"{c} (direct kernels)", () => BackendConformance.Run(c, direct));
        foreach (var (transA, transB, m, n, k) in new[] { (false, false, 129, 65, 257), (true, false, 64, 100, 31), (false, true, 1, 300, 77), (true, true, 333, 17, 64) })
        {
            var p = GemmParams.Create(transA, transB, m, n, k, 1f, 0.5f, (long)m * k, (long)k * n, (long)m * n);
            Check($"SGEMM {p} x2 ({backend.TiledGemm.Name})", () => GemmCheck(backend, backend.TiledGemm, p, 2));
            if (!ReferenceEquals(backend.Gemm, backend.TiledGemm)) Check($"SGEMM {p} x2 ({backend.GemmName})", () => GemmCheck(backend, backend.Gemm, p, 2));
        }
        Console.WriteLine($"parity: {passed} passed, {failed} failed");
        return failed == 0 ? 0 : 1;
    }

    private static void GemmCheck(GpuBackend backend, IGemm gemm, GemmParams p, int batch)
    {
        var a = BackendConformance.Random(p.M * p.K * batch, "a");
        var b = BackendConformance.Random(p.K * p.N * batch, "b");
        var c = BackendConformance.Random(p.M * p.N * batch, "c");
        var expected = new float[c.Length];
        for (int i = 0; i < batch; i++)
            for (int row = 0; row < p.M; row++)
                for (int col = 0; col < p.N; col++)
                {
                    double sum = 0;
                    for (int kk = 0; kk < p.K; kk++)
                        sum += (double)(p.TransA != 0 ? a[i * p.StrideA + kk * p.M + row] : a[i * p.StrideA + row * p.K + kk])
                             * (p.TransB != 0 ? b[i * p.StrideB + col * p.K + kk] : b[i * p.StrideB + kk * p.N + col]);
                    long at = i * p.StrideC + row * p.N + col;
                    expected[at] = (float)(p.Alpha * sum + p.Beta * c[at]);
                }
        var accelerator = backend.Accelerator;
        using var da = accelerator.Allocate1D(a);
        using var db = accelerator.Allocate1D(b);
        using var dc = accelerator.Allocate1D(c);
        gemm.Run(p, batch, da.View, db.View, dc.View);
        MlNetConv.Conformance.Parity.AssertClose(p.ToString(), expected, dc.GetAsArray1D(), new Tolerance(1e-4, 1e-4));
    }

    public static int Sgemm(int size)
    {
        using var backend = GpuBackend.CreateCuda(0);
        var accelerator = backend.Accelerator;
        using var a = accelerator.Allocate1D<float>((long)size * size);
        using var b = accelerator.Allocate1D<float>((long)size * size);
        using var c = accelerator.Allocate1D<float>((long)size * size);
        var ones = Enumerable.Repeat(1f / size, size * size).ToArray();
        a.View.CopyFromCPU(ones);
        b.View.CopyFromCPU(ones);
        var p = GemmParams.Create(false, false, size, size, size);
        var gemms = new List<IGemm> { backend.TiledGemm };
        if (!ReferenceEquals(backend.Gemm, backend.TiledGemm)) gemms.Add(backend.Gemm);
        else Console.WriteLine($"cuBLAS not available: {backend.CuBlasUnavailableReason}");
        var (tf32, _) = CuBlasGemm.TryCreate((ILGPU.Runtime.Cuda.CudaAccelerator)accelerator, allowTf32: true);
        if (tf32 is not null) gemms.Add(tf32);
        foreach (var gemm in gemms)
        {
            gemm.Run(p, 1, a.View, b.View, c.View);
            accelerator.Synchronize();
            int repeats = 1;
            double seconds;
            while (true)
            {
                var clock = Stopwatch.StartNew();
                for (int r = 0; r < repeats; r++) gemm.Run(p, 1, a.View, b.View, c.View);
                accelerator.Synchronize();
                seconds = clock.Elapsed.TotalSeconds;
                if (seconds > 0.5 || repeats >= 1024) break;
                repeats *= 2;
            }
            double gflops = 2.0 * size * size * size * repeats / seconds / 1e9;
            var check = new float[1];
            c.View.SubView(0, 1).CopyToCPU(check);
            Console.WriteLine($"sgemm {size}^3 {gemm.Name}: {gflops:F0} GFLOP/s ({seconds / repeats * 1e3:F2} ms, c[0] = {check[0]:F4})");
        }
        tf32?.Dispose();
        return 0;
    }

    public static int ResNet18(int size, int batch, int steps, bool cpuAccelerator)
    {
        using var backend = cpuAccelerator ? GpuBackend.CreateCpuAccelerator() : GpuBackend.CreateCuda(0);
        using var network = new Network(Architectures.ResNet18(1000), new Shape(3, size, size), backend, seed: 1);
        var optimizer = new SgdOptions(0.01f, 0.9f, 1e-4f).Create(network.TrainableParameters);
        var loss = new SoftmaxCrossEntropyLoss();
        var input = backend.Allocate(network.InputShape.WithBatch(batch));
        input.CopyFrom(BackendConformance.Random(input.Size, "images"));
        var labels = backend.AllocateIndices(new Shape(batch));
        var random = new RandomStream(3);
        backend.UploadIndices(Enumerable.Range(0, batch).Select(_ => random.NextInt(1000)).ToArray(), labels);
        double lastLoss = 0;
        void Step()
        {
            network.ZeroGrad();
            var output = network.Forward(input, training: true);
            var result = loss.Compute(output, new Targets(labels)); // reads the loss back: one sync per step, as a trainer does
            network.Backward(result.Gradient);
            optimizer.Step();
            lastLoss = result.Loss;
        }
        int warmup = Math.Min(3, steps);
        for (int i = 0; i < warmup; i++) Step();
        backend.Synchronize();
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < steps; i++) Step();
        backend.Synchronize();
        double seconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"resnet18 {size}x{size} batch {batch}: {batch * steps / seconds:F1} images/s ({seconds / steps * 1e3:F1} ms/step, " +
            $"loss {lastLoss:F3}, {backend.GemmName})");
        return 0;
    }
}
