using MlNetConv.Tensors;

namespace MlNetConv.Backends.Cpu;

/// <summary>Managed float storage of the CPU backend.</summary>
public sealed class CpuBuffer(int length) : TensorBuffer
{
    public float[] Data { get; } = new float[length];
    public override int Length => Data.Length;
}

/// <summary>Managed int storage of the CPU backend.</summary>
public sealed class CpuIndexBuffer(int length) : IndexBuffer
{
    public int[] Data { get; } = new int[length];
    public override int Length => Data.Length;
}

/// <summary>Host views of CPU tensors for the kernels.</summary>
internal static class CpuData
{
    /// <summary>The tensor's values, to read or write: counts as a write (<see cref="TensorBuffer.Version"/>).</summary>
    public static ArraySegment<float> Of(Tensor t)
    {
        var values = Read(t);
        t.Buffer.Version++;
        return values;
    }

    /// <summary>The tensor's values for a kernel that only reads them, leaving <see cref="TensorBuffer.Version"/> as it is.</summary>
    public static ArraySegment<float> Read(Tensor t) => t.Buffer is CpuBuffer b
        ? new ArraySegment<float>(b.Data, t.Offset, t.Size)
        : throw new ArgumentException($"Tensor {t.Shape} lives on {t.Backend.Name}, not on the CPU backend.");

    public static ArraySegment<int> Of(IndexTensor t) => t.Buffer is CpuIndexBuffer b
        ? new ArraySegment<int>(b.Data, 0, t.Size)
        : throw new ArgumentException($"Index tensor {t.Shape} does not live on the CPU backend.");

    public static Span<float> Span(Tensor t) => Of(t).AsSpan();
    public static Span<int> Span(IndexTensor t) => Of(t).AsSpan();
}
