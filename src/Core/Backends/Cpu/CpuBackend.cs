using MlNetConv.Backends.Cpu.Kernels;
using MlNetConv.Tensors;

namespace MlNetConv.Backends.Cpu;

/// <summary>
/// The CPU backend: managed arrays and plain reference kernels, threaded over independent outer loops (samples,
/// output channels) so that every reduction runs in a fixed order and results do not depend on thread timing.
/// </summary>
public sealed class CpuBackend : IBackend
{
    public static CpuBackend Default { get; } = new();

    public string Name => "cpu";

    public IConvolutionKernels Convolution { get; } = new CpuConvolutionKernels();
    public IPoolingKernels Pooling { get; } = new CpuPoolingKernels();
    public IUpsamplingKernels Upsampling { get; } = new CpuUpsamplingKernels();
    public ILocallyConnectedKernels LocallyConnected { get; } = new CpuLocallyConnectedKernels();
    public IDenseKernels Dense { get; } = new CpuDenseKernels();
    public IActivationKernels Activation { get; } = new CpuActivationKernels();
    public INormalizationKernels Normalization { get; } = new CpuNormalizationKernels();
    public IElementwiseKernels Elementwise { get; } = new CpuElementwiseKernels();
    public ILossKernels Loss { get; } = new CpuLossKernels();
    public IOptimizerKernels Optimizer { get; } = new CpuOptimizerKernels();

    public Tensor Allocate(Shape shape) => new(this, new CpuBuffer(shape.Size), shape);

    public IndexTensor AllocateIndices(Shape shape) => new(new CpuIndexBuffer(shape.Size), shape);

    public void Upload(ReadOnlySpan<float> source, Tensor destination) => source.CopyTo(CpuData.Span(destination));

    public void Download(Tensor source, Span<float> destination) => CpuData.Span(source).CopyTo(destination);

    public void UploadIndices(ReadOnlySpan<int> source, IndexTensor destination) => source.CopyTo(CpuData.Span(destination));

    public void DownloadIndices(IndexTensor source, Span<int> destination) => CpuData.Span(source).CopyTo(destination);

    public void Synchronize() { }

    public void Dispose() { }
}
