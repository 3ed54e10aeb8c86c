namespace MlNetConv.Backends.Cpu;

/// <summary>Settings of a <see cref="CpuBackend"/>.</summary>
public sealed record CpuBackendOptions
{
    /// <summary>
    /// Plain kernels instead of the fast ones: direct loops for convolution and dense layers instead of the packed GEMM,
    /// per-tap max pooling, one-element-at-a-time activations. Slower, simpler, the oracle the fast kernels are tested
    /// against. Default false.
    /// </summary>
    public bool ReferenceKernels { get; init; }
}
