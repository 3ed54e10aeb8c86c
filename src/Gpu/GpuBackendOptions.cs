namespace MlNetConv.Gpu;

/// <summary>How the GPU backend computes convolutions.</summary>
public enum ConvolutionAlgorithm
{
    /// <summary>im2col + GEMM, except for connection tables and depthwise convolutions, which run direct.</summary>
    Auto,

    /// <summary>im2col + GEMM wherever possible (connection tables always run direct).</summary>
    Gemm,

    /// <summary>Direct kernels only: one thread per output, input or weight element (the GPU reference).</summary>
    Direct,
}

/// <summary>Settings of a <see cref="GpuBackend"/>; the defaults suit training.</summary>
public sealed record GpuBackendOptions
{
    public static GpuBackendOptions Default { get; } = new();

    public ConvolutionAlgorithm Convolution { get; init; } = ConvolutionAlgorithm.Auto;

    /// <summary>GEMMs through cuBLAS on CUDA when it can be loaded; otherwise (and on other accelerators) the ILGPU tiled kernel.</summary>
    public bool UseCuBlas { get; init; } = true;

    /// <summary>Lets cuBLAS round GEMM inputs to TF32 on tensor cores (faster, ~1e-3 relative error); off keeps full FP32.</summary>
    public bool AllowTf32 { get; init; }

    /// <summary>Upper bound of the im2col buffer: larger convolutions are computed a group of samples at a time.</summary>
    public long ScratchBytes { get; init; } = 512L << 20;

    /// <summary>Released tensors up to this many bytes are kept for reuse instead of freed.</summary>
    public long PoolBytes { get; init; } = 1L << 30;
}
