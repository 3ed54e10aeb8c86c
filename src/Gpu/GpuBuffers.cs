using ILGPU;
using ILGPU.Runtime;
using MlNetConv.Backends;
using MlNetConv.Tensors;

namespace MlNetConv.Gpu;

/// <summary>Float storage in device memory. Disposing returns the memory to its backend's pool for the next allocation of that size.</summary>
public sealed class GpuBuffer : TensorBuffer
{
    private readonly DevicePool _pool;
    private MemoryBuffer1D<float, Stride1D.Dense>? _memory;

    internal GpuBuffer(DevicePool pool, MemoryBuffer1D<float, Stride1D.Dense> memory, int length)
    {
        _pool = pool;
        _memory = memory;
        Length = length;
    }

    public override int Length { get; }

    internal ArrayView<float> View => (_memory ?? throw new ObjectDisposedException(nameof(GpuBuffer))).View;

    public override void Dispose()
    {
        if (_memory is { } memory) _pool.Return(memory);
        _memory = null;
        base.Dispose();
    }
}

/// <summary>Int storage in device memory (labels, pooling indices).</summary>
public sealed class GpuIndexBuffer : IndexBuffer
{
    private MemoryBuffer1D<int, Stride1D.Dense>? _memory;

    internal GpuIndexBuffer(MemoryBuffer1D<int, Stride1D.Dense> memory, int length)
    {
        _memory = memory;
        Length = length;
    }

    public override int Length { get; }

    internal ArrayView<int> View => (_memory ?? throw new ObjectDisposedException(nameof(GpuIndexBuffer))).View;

    public override void Dispose()
    {
        _memory?.Dispose();
        _memory = null;
        base.Dispose();
    }
}

/// <summary>Device views of GPU tensors for the kernels: the tensor's own elements (offset and size applied).</summary>
internal static class GpuData
{
    public static ArrayView<float> Of(Tensor t) => t.Buffer is GpuBuffer b
        ? b.View.SubView(t.Offset, t.Size)
        : throw new ArgumentException($"Tensor {t.Shape} lives on {t.Backend.Name}, not on a GPU backend.");

    public static ArrayView<int> Of(IndexTensor t) => t.Buffer is GpuIndexBuffer b
        ? b.View.SubView(0, t.Size)
        : throw new ArgumentException($"Index tensor {t.Shape} does not live on a GPU backend.");
}
