using MlNetConv.Tensors;

namespace MlNetConv.Backends.Meta;

/// <summary>
/// Shapes without storage, like PyTorch's <c>meta</c> device: a network built here infers every shape and creates every
/// parameter, so it can be counted and summarised, but no weight is allocated or initialised (VGG-19 would need 0.6 GB
/// of weights and as much again of gradients). It runs no kernels and holds no values: uploads, downloads and kernel
/// calls throw.
/// </summary>
public sealed class MetaBackend : IBackend
{
    public static MetaBackend Default { get; } = new();

    public string Name => "meta";

    public Tensor Allocate(Shape shape) => new(this, new MetaBuffer(shape.Size), shape);

    public IndexTensor AllocateIndices(Shape shape) => new(new MetaIndexBuffer(shape.Size), shape);

    public void Upload(ReadOnlySpan<float> source, Tensor destination) => throw NoValues();
    public void Download(Tensor source, Span<float> destination) => throw NoValues();
    public void UploadIndices(ReadOnlySpan<int> source, IndexTensor destination) => throw NoValues();
    public void DownloadIndices(IndexTensor source, Span<int> destination) => throw NoValues();

    public void Synchronize() { }

    public IConvolutionKernels Convolution => throw NoKernels();
    public IPoolingKernels Pooling => throw NoKernels();
    public IUpsamplingKernels Upsampling => throw NoKernels();
    public ILocallyConnectedKernels LocallyConnected => throw NoKernels();
    public IDenseKernels Dense => throw NoKernels();
    public IActivationKernels Activation => throw NoKernels();
    public INormalizationKernels Normalization => throw NoKernels();
    public IElementwiseKernels Elementwise => throw NoKernels();
    public ILossKernels Loss => throw NoKernels();
    public IOptimizerKernels Optimizer => throw NoKernels();

    public void Dispose() { }

    private static NotSupportedException NoValues() =>
        new("The meta backend holds shapes only: its tensors have no values to upload or download.");

    private static NotSupportedException NoKernels() =>
        new("The meta backend holds shapes only and runs no kernels; build the network on a compute backend to run it.");
}

/// <summary>A length without storage.</summary>
internal sealed class MetaBuffer(int length) : TensorBuffer
{
    public override int Length => length;
}

/// <summary>A length without storage.</summary>
internal sealed class MetaIndexBuffer(int length) : IndexBuffer
{
    public override int Length => length;
}
