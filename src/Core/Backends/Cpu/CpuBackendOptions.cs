namespace MlNetConv.Backends.Cpu;

/// <summary>Settings of a <see cref="CpuBackend"/>.</summary>
public sealed record CpuBackendOptions
{
    /// <summary>
    /// Plain kernels instead of the fast ones: direct loops for convolution and dense layers instead of the packed GEMM,
    /// per-tap max pooling, one element at a time for activations, batch-norm sums, local response normalization,
    /// element-wise work and optimizer steps, one item at a time for losses, and single-threaded upsampling and locally
    /// connected layers summing in double. Slower, simpler, the oracle the fast kernels are tested against. Default false.
    /// </summary>
    public bool ReferenceKernels { get; init; }

    /// <summary>
    /// Winograd's F(2x2, 3x3) for 3x3 stride-1 2D convolutions where it pays (2.25 times fewer multiply-adds; results
    /// within a few roundings of direct convolution's, not bit-identical to them). False keeps every convolution on the
    /// GEMM layouts, whose results are bit-identical to each other. Default true.
    /// </summary>
    public bool Winograd { get; init; } = true;
}
