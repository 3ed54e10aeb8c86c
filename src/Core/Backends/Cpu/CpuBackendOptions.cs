namespace MlNetConv.Backends.Cpu;

/// <summary>Settings of a <see cref="CpuBackend"/>.</summary>
public sealed record CpuBackendOptions
{
    /// <summary>
    /// Plain direct-loop kernels for convolution and dense layers instead of the packed-GEMM ones: slower, simpler, the
    /// oracle the fast kernels are tested against. Default false.
    /// </summary>
    public bool ReferenceKernels { get; init; }
}
