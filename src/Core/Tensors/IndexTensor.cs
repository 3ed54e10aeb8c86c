using MlNetConv.Backends;

namespace MlNetConv.Tensors;

/// <summary>
/// Int32 data on one backend: class labels for the losses and argmax positions of max pooling.
/// </summary>
public sealed class IndexTensor : IDisposable
{
    /// <summary>An index tensor over backend-owned storage; backends call this from <see cref="IBackend.AllocateIndices"/>.</summary>
    public IndexTensor(IndexBuffer buffer, Shape shape)
    {
        if (shape.Size > buffer.Length)
            throw new ArgumentException($"An index tensor of shape {shape} does not fit a buffer of {buffer.Length} elements.", nameof(shape));
        Buffer = buffer;
        Shape = shape;
    }

    public IndexBuffer Buffer { get; }
    public Shape Shape { get; }
    public int Size => Shape.Size;

    public void Dispose() => Buffer.Dispose();
}
