using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using MlNetConv.Backends;
using MlNetConv.Geometry;
using MlNetConv.Gpu.Cuda;
using MlNetConv.Gpu.Kernels;
using MlNetConv.Tensors;

namespace MlNetConv.Gpu;

/// <summary>
/// The GPU backend: tensors in device memory and ILGPU kernels with the CPU backend's family names, queued in order on
/// one stream. Runs on CUDA GPUs and, for tests and CI, on ILGPU's CPU accelerator (an emulator: same kernels, slow).
/// Kernels are compiled once here; GEMMs go to cuBLAS on CUDA, else to an ILGPU tiled kernel. Reductions run in a
/// fixed order, so results repeat bit for bit on one device. Calls that use the backend's scratch buffers (convolution,
/// sums, losses) are serialised and the cuBLAS handle is locked, so threads may share one backend; everything queues on
/// the one stream in call order.
/// </summary>
public sealed class GpuBackend : IBackend
{
    private readonly Context _context;
    private readonly ConditionalWeakTable<ConvGeometry, ConvTable> _tables = new();
    private readonly List<ConvTable> _tableList = [];
    private readonly GpuElementwiseKernels _elementwise;
    private readonly GpuUpsamplingKernels _upsampling;
    private bool _disposed;

    private GpuBackend(Context context, Accelerator accelerator, GpuBackendOptions options)
    {
        _context = context;
        Accelerator = accelerator;
        Options = options;
        IsCuda = accelerator is CudaAccelerator;
        Name = IsCuda ? $"cuda:{((CudaAccelerator)accelerator).DeviceId}" : "ilgpu-cpu";
        DeviceName = accelerator.Name;
        // Grid-stride loops: enough threads to fill the device, each looping over the rest. The CPU emulator pays per
        // thread, so it gets few.
        MaxThreads = IsCuda ? accelerator.NumMultiprocessors * accelerator.MaxNumThreadsPerMultiprocessor : 256;
        ReduceGroupSize = (int)Math.Min(GpuReductions.MaxGroupSize, 1u << (31 - int.LeadingZeroCount(accelerator.MaxNumThreadsPerGroup)));
        Pool = new DevicePool(accelerator, options.PoolBytes);
        Columns = new Scratch<float>(accelerator);
        Packed = new Scratch<float>(accelerator);
        Partials = new Scratch<double>(accelerator);
        Flags = new Scratch<int>(accelerator);

        IGemm? gemm = null;
        if (accelerator is CudaAccelerator cuda && options.UseCuBlas)
        {
            (var cuBlas, CuBlasUnavailableReason) = CuBlasGemm.TryCreate(cuda, options.AllowTf32);
            gemm = cuBlas;
        }
        TiledGemm = new TiledGemm(accelerator);
        Gemm = gemm ?? TiledGemm;

        Reductions = new GpuReductions(this);
        _elementwise = new GpuElementwiseKernels(this);
        Convolution = new GpuConvolutionKernels(this);
        Pooling = new GpuPoolingKernels(this);
        _upsampling = new GpuUpsamplingKernels(this);
        LocallyConnected = new GpuLocallyConnectedKernels(this);
        Dense = new GpuDenseKernels(this);
        Activation = new GpuActivationKernels(this);
        Normalization = new GpuNormalizationKernels(this);
        Loss = new GpuLossKernels(this);
        Optimizer = new GpuOptimizerKernels(this);
        accelerator.Synchronize();
    }

    /// <summary>A backend on ILGPU's CPU accelerator: the GPU kernels emulated on the CPU, for tests without a GPU.</summary>
    public static GpuBackend CreateCpuAccelerator(GpuBackendOptions? options = null)
    {
        // 256 threads per group (the tiled GEMM's 16×16) on one emulated multiprocessor: every thread of the emulator is
        // an OS thread woken for every launch, so more of them only cost time on a machine with few cores.
        var device = new CPUDevice(4, 64, 1);
        var context = Context.Create(b => b.CPU(device).EnableAlgorithms());
        try
        {
            return new GpuBackend(context, context.CreateCPUAccelerator(0), options ?? GpuBackendOptions.Default);
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    /// <summary>A backend on CUDA GPU <paramref name="deviceId"/> (in the order of <see cref="ListCudaDevices"/>).</summary>
    /// <exception cref="InvalidOperationException">there is no such CUDA device</exception>
    public static GpuBackend CreateCuda(int deviceId = 0, GpuBackendOptions? options = null)
    {
        CudaLibraries.InstallDriverResolver();
        var context = Context.Create(b => b.Cuda().EnableAlgorithms());
        try
        {
            var devices = context.GetCudaDevices();
            if ((uint)deviceId >= (uint)devices.Count)
                throw new InvalidOperationException(devices.Count == 0
                    ? "No CUDA device is available (no NVIDIA driver, or libcuda.so.1 cannot be loaded)."
                    : $"CUDA device {deviceId} does not exist; there are {devices.Count}.");
            return new GpuBackend(context, context.CreateCudaAccelerator(deviceId), options ?? GpuBackendOptions.Default);
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    /// <summary>The CUDA devices ILGPU can use, e.g. "NVIDIA H200 (139 GiB)"; empty without a driver.</summary>
    public static IReadOnlyList<string> ListCudaDevices() => ProbeCuda().Devices;

    /// <summary>The CUDA devices ILGPU can use, and when there are none, why (the driver library's error).</summary>
    public static (IReadOnlyList<string> Devices, string? Problem) ProbeCuda()
    {
        CudaLibraries.InstallDriverResolver();
        try
        {
            using var context = Context.Create(b => b.Cuda());
            var names = new List<string>();
            foreach (var device in context.GetCudaDevices()) names.Add($"{device.Name} ({device.MemorySize >> 30} GiB, {device.Architecture})");
            return (names, names.Count == 0 ? "no CUDA device is visible (no NVIDIA GPU, or libcuda.so.1 was not found)" : null);
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or InvalidOperationException or NotSupportedException or ILGPU.Runtime.Cuda.CudaException)
        {
            var cause = e.InnerException ?? e;
            return ([], $"the CUDA driver cannot be used ({cause.GetType().Name}: {cause.Message.TrimEnd('.')})");
        }
    }

    public string Name { get; }

    /// <summary>The accelerator's name, e.g. "NVIDIA H200" or "CPUAccelerator".</summary>
    public string DeviceName { get; }

    public bool IsCuda { get; }
    public GpuBackendOptions Options { get; }

    /// <summary>What computes the GEMMs: cuBLAS (with its version) or the ILGPU tiled kernel.</summary>
    public string GemmName => Gemm.Name;

    /// <summary>Why cuBLAS is not used on a CUDA device (the library could not be loaded), else null.</summary>
    public string? CuBlasUnavailableReason { get; }

    internal Accelerator Accelerator { get; }
    internal int MaxThreads { get; }
    internal int ReduceGroupSize { get; }
    internal DevicePool Pool { get; }
    internal IGemm Gemm { get; }
    internal TiledGemm TiledGemm { get; }
    internal GpuReductions Reductions { get; }

    /// <summary>im2col columns.</summary>
    internal Scratch<float> Columns { get; }

    /// <summary>Channel-major copies of outputs and output gradients for the convolution GEMMs.</summary>
    internal Scratch<float> Packed { get; }

    /// <summary>Per-group partial sums downloaded by reductions.</summary>
    internal Scratch<double> Partials { get; }

    /// <summary>Error flags written by kernels (e.g. the first out-of-range label).</summary>
    internal Scratch<int> Flags { get; }

    /// <summary>Serialises kernel-family calls that share the scratch buffers.</summary>
    internal Lock Gate { get; } = new();

    public IConvolutionKernels Convolution { get; }
    public IPoolingKernels Pooling { get; }
    public IDenseKernels Dense { get; }
    public IActivationKernels Activation { get; }
    public INormalizationKernels Normalization { get; }
    public IElementwiseKernels Elementwise => _elementwise;
    public IUpsamplingKernels Upsampling => _upsampling;
    public ILocallyConnectedKernels LocallyConnected { get; }
    public ILossKernels Loss { get; }
    public IOptimizerKernels Optimizer { get; }

    /// <summary>Threads for a grid-stride loop over <paramref name="count"/> items.</summary>
    internal int Threads(long count) => (int)Math.Clamp(count, 1, MaxThreads);

    /// <summary>Makes the accelerator current on this thread (CUDA contexts are per thread).</summary>
    internal void Bind()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (IsCuda) Accelerator.Bind();
    }

    public Tensor Allocate(Shape shape)
    {
        Bind();
        return new Tensor(this, new GpuBuffer(Pool, Pool.Rent(shape.Size), shape.Size), shape);
    }

    public IndexTensor AllocateIndices(Shape shape)
    {
        Bind();
        var memory = Accelerator.Allocate1D<int>(Math.Max(1, shape.Size));
        memory.View.MemSetToZero(Accelerator.DefaultStream);
        return new IndexTensor(new GpuIndexBuffer(memory, shape.Size), shape);
    }

    public void Upload(ReadOnlySpan<float> source, Tensor destination)
    {
        CheckLength(source.Length, destination.Size, "Upload");
        Bind();
        if (source.Length > 0) ((ILGPU.Runtime.ArrayView1D<float, Stride1D.Dense>)GpuData.Of(destination)).CopyFromCPU(Accelerator.DefaultStream, source);
    }

    public void Download(Tensor source, Span<float> destination)
    {
        CheckLength(destination.Length, source.Size, "Download");
        Bind();
        if (destination.Length > 0) ((ILGPU.Runtime.ArrayView1D<float, Stride1D.Dense>)GpuData.Of(source)).CopyToCPU(Accelerator.DefaultStream, destination);
    }

    public void UploadIndices(ReadOnlySpan<int> source, IndexTensor destination)
    {
        CheckLength(source.Length, destination.Size, "UploadIndices");
        Bind();
        if (source.Length > 0) ((ILGPU.Runtime.ArrayView1D<int, Stride1D.Dense>)GpuData.Of(destination)).CopyFromCPU(Accelerator.DefaultStream, source);
    }

    public void DownloadIndices(IndexTensor source, Span<int> destination)
    {
        CheckLength(destination.Length, source.Size, "DownloadIndices");
        Bind();
        if (destination.Length > 0) ((ILGPU.Runtime.ArrayView1D<int, Stride1D.Dense>)GpuData.Of(source)).CopyToCPU(Accelerator.DefaultStream, destination);
    }

    public void Synchronize()
    {
        Bind();
        Accelerator.Synchronize();
    }

    /// <summary>The device copy of a convolution's channel connections, uploaded once per geometry.</summary>
    internal ConvTable Table(ConvGeometry geometry)
    {
        lock (_tables)
        {
            if (_tables.TryGetValue(geometry, out var table)) return table;
            table = new ConvTable(Accelerator, geometry);
            _tables.Add(geometry, table);
            _tableList.Add(table);
            return table;
        }
    }

    private static void CheckLength(int host, int device, string what)
    {
        if (host != device) throw new ArgumentException($"{what}: the host span has {host} elements, the tensor {device}.");
    }

    public override string ToString() => $"GpuBackend({Name}, {DeviceName}, GEMM: {GemmName})";

    public void Dispose()
    {
        if (_disposed) return;
        Accelerator.Synchronize();
        _disposed = true;
        if (!ReferenceEquals(Gemm, TiledGemm)) Gemm.Dispose();
        foreach (var table in _tableList) table.Dispose();
        _upsampling.Dispose();
        Columns.Dispose();
        Packed.Dispose();
        Partials.Dispose();
        Flags.Dispose();
        Pool.Dispose();
        Accelerator.Dispose();
        _context.Dispose();
    }
}
