using MlNetConv.Backends;
using MlNetConv.Conformance;
using MlNetConv.Gpu.Tests.Support;

namespace MlNetConv.Gpu.Tests;

/// <summary>The suite on the GPU backend's kernels, run by ILGPU's CPU accelerator (no GPU needed).</summary>
public sealed class CpuAcceleratorConformanceTests : BackendConformanceTests
{
    protected override IBackend Subject => TestBackends.CpuAccelerator;

    /// <summary>The direct convolution kernels (the GPU's reference, and the path of tables and depthwise) on every convolution case.</summary>
    [Theory, MemberData(nameof(ConvolutionCases))]
    public void DirectConvolution(string name) =>
        BackendConformance.Run(BackendConformance.Get(BackendConformance.Convolution, name), TestBackends.CpuAcceleratorDirect);
}

/// <summary>The suite on CUDA device 0; skipped, with the reason, where there is no CUDA GPU.</summary>
public sealed class CudaConformanceTests : BackendConformanceTests
{
    protected override IBackend Subject
    {
        get
        {
            var (backend, reason) = TestBackends.Cuda;
            Skip.If(backend is null, reason);
            return backend!;
        }
    }
}
