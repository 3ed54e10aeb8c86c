using MlNetConv.Backends;
using MlNetConv.Backends.Cpu;
using MlNetConv.Gpu.Tests.Support;

namespace MlNetConv.Gpu.Tests;

/// <summary>The GPU provider registers itself, and Devices says clearly when the GPU asked for is not there and why.</summary>
public sealed class DeviceSelectionTests
{
    [Fact]
    public void TheProviderRegistersItselfWhenTheAssemblyLoads()
    {
        // No Devices.Register call anywhere: the GPU assembly's module initializer registers it when the assembly is first used.
        LoadGpuAssembly();
        var (_, choice) = Devices.Create(Device.Auto);
        Assert.DoesNotContain("no GPU backend is registered", choice);
    }

    [SkippableFact]
    public void WithoutAGpu_TheReasonNamesTheDeployedBackendAndWhatItFound()
    {
        // The message once said "deploy MlNetConv.Gpu" to applications that had deployed it.
        LoadGpuAssembly();
        Skip.If(Devices.ListGpus().Count > 0, "a GPU is present");
        var error = Assert.Throws<InvalidOperationException>(() => Devices.Create(Device.Gpu(0)));
        Assert.Contains("ILGPU/CUDA is deployed but", error.Message);
        Assert.Contains("CUDA", error.Message[error.Message.IndexOf("deployed but", StringComparison.Ordinal)..]);
        Assert.DoesNotContain("deploy MlNetConv.Gpu", error.Message);
    }

    /// <summary>What any first use of the GPU assembly does: runs its module initializer.</summary>
    private static void LoadGpuAssembly() => System.Runtime.CompilerServices.RuntimeHelpers.RunModuleConstructor(typeof(GpuBackendProvider).Module.ModuleHandle);

    [Fact]
    public void AMissingGpu_ThrowsAClearError_OrFallsBackWhenAllowed()
    {
        LoadGpuAssembly();
        int missing = Devices.ListGpus().Count;
        var error = Assert.Throws<InvalidOperationException>(() => Devices.Create(Device.Gpu(missing)));
        Assert.Contains($"Device gpu:{missing} was asked for", error.Message);
        Assert.Contains(missing == 0 ? "is deployed but" : $"GPU {missing} does not exist", error.Message);

        var (backend, choice) = Devices.Create(Device.Gpu(missing), fallbackToCpu: true);
        Assert.IsType<CpuBackend>(backend);
        Assert.Contains("falling back", choice);
        if (missing == 0) Assert.IsType<CpuBackend>(Devices.Create(Device.Auto).Backend);
    }

    [SkippableFact]
    public void GpuZero_IsTheCudaBackend_WhenThereIsOne()
    {
        var (cuda, reason) = TestBackends.Cuda;
        Skip.If(cuda is null, reason);
        var (backend, choice) = Devices.Create(Device.Gpu(0));
        using var _ = backend;
        Assert.IsType<GpuBackend>(backend);
        Assert.Contains("GPU 0", choice);
    }

    [Fact]
    public void TheCpuAcceleratorBackend_DescribesItself()
    {
        var backend = TestBackends.CpuAccelerator;
        Assert.Equal("ilgpu-cpu", backend.Name);
        Assert.False(backend.IsCuda);
        Assert.Equal("ILGPU tiled SGEMM", backend.GemmName);
    }

    [Fact]
    public void TensorsOfAnotherBackend_AreRejectedWithTheirBackendNamed()
    {
        var cpuTensor = CpuBackend.Default.Allocate(new Tensors.Shape(2, 3));
        var error = Assert.Throws<ArgumentException>(() => TestBackends.CpuAccelerator.Elementwise.Fill(cpuTensor, 1f));
        Assert.Contains("lives on cpu", error.Message);
    }
}
