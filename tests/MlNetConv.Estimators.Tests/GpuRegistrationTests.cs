using MlNetConv.Backends;

namespace MlNetConv.Estimators.Tests;

/// <summary>
/// An ML.NET application deploys MlNetConv.Gpu with this assembly and registers nothing: the device choice must name
/// the CUDA backend and what it found, not ask to deploy what is deployed.
/// </summary>
public sealed class GpuRegistrationTests
{
    [Fact]
    public void TheDeployedGpuBackendIsRegisteredWhenTheEstimatorsAssemblyLoads()
    {
        _ = new ConvNetClassificationOptions();   // an application's first use of this assembly
        var (_, choice) = Devices.Create(Device.Auto);
        Assert.Contains("ILGPU/CUDA", choice);
        Assert.DoesNotContain("deploy MlNetConv.Gpu", choice);
        Assert.DoesNotContain("no GPU backend is registered", choice);
    }
}
