namespace MlNetConv.Gpu.Tests.Support;

/// <summary>
/// GPU backends shared by all tests of the run: compiling the kernels takes a while, and the backend serialises its
/// calls, so one instance per configuration serves every test class.
/// </summary>
public static class TestBackends
{
    private static readonly Lazy<GpuBackend> CpuAcceleratorBackend = new(() => GpuBackend.CreateCpuAccelerator());
    private static readonly Lazy<GpuBackend> DirectBackend = new(() =>
        GpuBackend.CreateCpuAccelerator(new GpuBackendOptions { Convolution = ConvolutionAlgorithm.Direct }));
    private static readonly Lazy<(GpuBackend? Backend, string? SkipReason)> CudaBackend = new(CreateCuda);

    /// <summary>ILGPU's CPU accelerator with the default options (GEMM convolutions).</summary>
    public static GpuBackend CpuAccelerator => CpuAcceleratorBackend.Value;

    /// <summary>ILGPU's CPU accelerator running the direct convolution kernels.</summary>
    public static GpuBackend CpuAcceleratorDirect => DirectBackend.Value;

    /// <summary>CUDA device 0, or null with the reason there is none.</summary>
    public static (GpuBackend? Backend, string? SkipReason) Cuda => CudaBackend.Value;

    private static (GpuBackend?, string?) CreateCuda()
    {
        var devices = GpuBackend.ListCudaDevices();
        if (devices.Count == 0) return (null, "No CUDA GPU on this machine (ILGPU found no CUDA device); the CUDA bindings of the suite run on a GPU host.");
        return (GpuBackend.CreateCuda(0), null);
    }
}
