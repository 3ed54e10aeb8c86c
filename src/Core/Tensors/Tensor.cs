using MlNetConv.Backends;

namespace MlNetConv.Tensors;

/// <summary>
/// Float32 data on one backend plus a shape. The data lives in a backend-owned <see cref="TensorBuffer"/>;
/// <see cref="Offset"/> lets several tensors share one buffer (reshaped views, parameter arenas).
/// </summary>
public sealed class Tensor : IDisposable
{
    /// <summary>A tensor over backend-owned storage; backends call this from <see cref="IBackend.Allocate"/>.</summary>
    public Tensor(IBackend backend, TensorBuffer buffer, Shape shape, int offset = 0)
    {
        if (offset < 0 || offset + shape.Size > buffer.Length)
            throw new ArgumentOutOfRangeException(nameof(offset), $"A tensor of shape {shape} at offset {offset} does not fit a buffer of {buffer.Length} elements.");
        Backend = backend;
        Buffer = buffer;
        Shape = shape;
        Offset = offset;
    }

    public IBackend Backend { get; }
    public TensorBuffer Buffer { get; }
    public Shape Shape { get; }
    public int Offset { get; }
    public int Size => Shape.Size;

    /// <summary>A tensor with the same data and another shape of the same size (no copy).</summary>
    public Tensor Reshape(Shape shape)
    {
        if (shape.Size != Size)
            throw new ArgumentException($"Cannot reshape {Shape} ({Size} elements) to {shape} ({shape.Size} elements).", nameof(shape));
        return new Tensor(Backend, Buffer, shape, Offset);
    }

    /// <summary>Copies the data to a new host array.</summary>
    public float[] ToArray()
    {
        var data = new float[Size];
        Backend.Download(this, data);
        return data;
    }

    /// <summary>Copies host data into this tensor.</summary>
    public void CopyFrom(ReadOnlySpan<float> source)
    {
        if (source.Length != Size)
            throw new ArgumentException($"Expected {Size} values for shape {Shape}, got {source.Length}.", nameof(source));
        Backend.Upload(source, this);
    }

    public override string ToString() => $"Tensor{Shape} on {Backend.Name}";

    /// <summary>Releases the buffer when this tensor owns it alone (views share the buffer and do nothing).</summary>
    public void Dispose()
    {
        if (Offset == 0 && Size == Buffer.Length) Buffer.Dispose();
    }
}
