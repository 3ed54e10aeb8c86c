using MlNetConv.Tensors;

namespace MlNetConv.Backends;

/// <summary>
/// A compute device: memory (allocate, upload, download, synchronize) plus stateless kernel families.
/// Layers hold state and call kernels; they never see how a backend stores data. A backend is passed in:
/// there is no global current device.
/// </summary>
public interface IBackend : IDisposable
{
    string Name { get; }

    /// <summary>A new zero-filled tensor.</summary>
    Tensor Allocate(Shape shape);

    /// <summary>A new zero-filled index tensor.</summary>
    IndexTensor AllocateIndices(Shape shape);

    void Upload(ReadOnlySpan<float> source, Tensor destination);
    void Download(Tensor source, Span<float> destination);
    void UploadIndices(ReadOnlySpan<int> source, IndexTensor destination);
    void DownloadIndices(IndexTensor source, Span<int> destination);

    /// <summary>Waits until all queued kernels have finished.</summary>
    void Synchronize();

    IConvolutionKernels Convolution { get; }
    IPoolingKernels Pooling { get; }
    IUpsamplingKernels Upsampling { get; }
    ILocallyConnectedKernels LocallyConnected { get; }
    IDenseKernels Dense { get; }
    IActivationKernels Activation { get; }
    INormalizationKernels Normalization { get; }
    IElementwiseKernels Elementwise { get; }
    ILossKernels Loss { get; }
    IOptimizerKernels Optimizer { get; }
}
