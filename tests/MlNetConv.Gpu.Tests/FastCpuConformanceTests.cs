using MlNetConv.Backends;
using MlNetConv.Backends.Cpu;

namespace MlNetConv.Gpu.Tests;

/// <summary>
/// The suite on the CPU backend's fast kernels (AVX-512 GEMMs, Winograd, fused epilogues), against the reference
/// kernels like every other backend. (The parity tests of MlNetConv.Core.Tests go further on random shapes and every
/// instruction-set level; this binds the fast CPU backend to the same cases the GPU passes.)
/// </summary>
public sealed class FastCpuConformanceTests : BackendConformanceTests
{
    protected override IBackend Subject { get; } = new CpuBackend();
}
