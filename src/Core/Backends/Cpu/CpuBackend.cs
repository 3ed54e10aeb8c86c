using MlNetConv.Backends.Cpu.Gemm;
using MlNetConv.Backends.Cpu.Kernels;
using MlNetConv.Tensors;

namespace MlNetConv.Backends.Cpu;

/// <summary>
/// The CPU backend: managed arrays; convolution and dense layers on a packed, register-blocked SGEMM whose weights stay
/// packed while they do not change (convolution in one of four forms per geometry: im2col, col read in place from a
/// zero-padded input, positions as GEMM rows for small maps, or Winograd's F(2x2, 3x3) for 3x3 stride-1 layers; batch
/// norm, residual addition and ReLU after it fused in evaluation), max pooling 16 windows at a time, ReLU in
/// Vector512/Vector256 lanes, batch and local response normalization in Vector512 lanes, softmax and cross-entropy over
/// blocks of pixels, the other kernel families as plain loops. Work is spread by <see cref="CpuParallel"/> over
/// independent outer loops or blocks of the output, and every reduction runs in a fixed order, so results do not depend
/// on thread timing.
/// </summary>
public sealed class CpuBackend : IBackend
{
    public static CpuBackend Default { get; } = new();

    public CpuBackend(CpuBackendOptions? options = null)
    {
        Options = options ?? new CpuBackendOptions();
        Convolution = Options.ReferenceKernels ? new CpuReferenceConvolutionKernels() : new CpuConvolutionKernels(GemmBlocking.BestIsa, winograd: Options.Winograd);
        Dense = Options.ReferenceKernels ? new CpuReferenceDenseKernels() : new CpuDenseKernels();
        Pooling = Options.ReferenceKernels ? new CpuReferencePoolingKernels() : new CpuPoolingKernels();
        Activation = Options.ReferenceKernels ? new CpuReferenceActivationKernels() : new CpuActivationKernels();
        Normalization = Options.ReferenceKernels ? new CpuReferenceNormalizationKernels() : new CpuNormalizationKernels();
        Upsampling = Options.ReferenceKernels ? new CpuReferenceUpsamplingKernels() : new CpuUpsamplingKernels();
        LocallyConnected = Options.ReferenceKernels ? new CpuReferenceLocallyConnectedKernels() : new CpuLocallyConnectedKernels();
        Elementwise = Options.ReferenceKernels ? new CpuReferenceElementwiseKernels() : new CpuElementwiseKernels();
        Loss = Options.ReferenceKernels ? new CpuReferenceLossKernels() : new CpuLossKernels();
        Optimizer = Options.ReferenceKernels ? new CpuReferenceOptimizerKernels() : new CpuOptimizerKernels();
    }

    public CpuBackendOptions Options { get; }

    public string Name => Options.ReferenceKernels ? "cpu-reference" : "cpu";

    public IConvolutionKernels Convolution { get; }
    public IPoolingKernels Pooling { get; }
    public IUpsamplingKernels Upsampling { get; }
    public ILocallyConnectedKernels LocallyConnected { get; }
    public IDenseKernels Dense { get; }
    public IActivationKernels Activation { get; }
    public INormalizationKernels Normalization { get; }
    public IElementwiseKernels Elementwise { get; }
    public ILossKernels Loss { get; }
    public IOptimizerKernels Optimizer { get; }

    public Tensor Allocate(Shape shape) => new(this, new CpuBuffer(shape.Size), shape);

    public IndexTensor AllocateIndices(Shape shape) => new(new CpuIndexBuffer(shape.Size), shape);

    public void Upload(ReadOnlySpan<float> source, Tensor destination) => source.CopyTo(CpuData.Span(destination));

    public void Download(Tensor source, Span<float> destination) => CpuData.Span(source).CopyTo(destination);

    public void UploadIndices(ReadOnlySpan<int> source, IndexTensor destination) => source.CopyTo(CpuData.Span(destination));

    public void DownloadIndices(IndexTensor source, Span<int> destination) => CpuData.Span(source).CopyTo(destination);

    public void Synchronize() { }

    public void Dispose() { }
}
