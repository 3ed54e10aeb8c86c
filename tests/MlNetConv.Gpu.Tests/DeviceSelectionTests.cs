using MlNetConv.Backends;
using MlNetConv.Backends.Cpu;
using MlNetConv.Gpu.Tests.Support;

namespace MlNetConv.Gpu.Tests;

/// <summary>Devices finds the GPU provider by name and says clearly when the GPU asked for is not there.</summary>
public sealed class DeviceSelectionTests
{
    [Fact]
    public void TheProviderIsFoundByNameWithoutRegistration()
    {
        Devices.ListGpus();
        var type = Type.GetType("MlNetConv.Gpu.GpuBackendProvider, MlNetConv.Gpu", throwOnError: true)!;
        Assert.Equal(typeof(GpuBackendProvider), type);
        Assert.NotNull(Activator.CreateInstance(type));
    }

    [Fact]
    public void AMissingGpu_ThrowsAClearError_OrFallsBackWhenAllowed()
    {
        int missing = Devices.ListGpus().Count;
        var error = Assert.Throws<InvalidOperationException>(() => Devices.Create(Device.Gpu(missing)));
        Assert.Contains($"Device gpu:{missing} was asked for", error.Message);
        Assert.Contains(missing == 0 ? "no GPU backend is available" : $"GPU {missing} does not exist", error.Message);

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
