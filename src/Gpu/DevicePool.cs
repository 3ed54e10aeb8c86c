using ILGPU;
using ILGPU.Runtime;

namespace MlNetConv.Gpu;

/// <summary>
/// Device memory by exact length, kept after release for the next request of that length: batch buffers that are
/// reallocated for a short last batch, and layers rebuilt for another batch size, then cost no driver allocation.
/// Everything runs on one stream, so memory released while kernels still read it is only reused by later kernels.
/// </summary>
internal sealed class DevicePool(Accelerator accelerator, long maxPooledBytes) : IDisposable
{
    private readonly Dictionary<long, Stack<MemoryBuffer1D<float, Stride1D.Dense>>> _free = [];
    private readonly Lock _gate = new();
    private long _pooledBytes;
    private bool _disposed;

    /// <summary>Zero-filled memory of at least one element.</summary>
    public MemoryBuffer1D<float, Stride1D.Dense> Rent(long length)
    {
        length = Math.Max(1, length);
        MemoryBuffer1D<float, Stride1D.Dense>? memory = null;
        lock (_gate)
            if (_free.TryGetValue(length, out var stack) && stack.TryPop(out memory)) _pooledBytes -= length * sizeof(float);
        memory ??= accelerator.Allocate1D<float>(length);
        memory.View.MemSetToZero(accelerator.DefaultStream);
        return memory;
    }

    public void Return(MemoryBuffer1D<float, Stride1D.Dense> memory)
    {
        long bytes = memory.Length * sizeof(float);
        lock (_gate)
        {
            if (_disposed) return; // the accelerator released all its memory
            if (_pooledBytes + bytes <= maxPooledBytes)
            {
                if (!_free.TryGetValue(memory.Length, out var stack)) _free[memory.Length] = stack = new();
                stack.Push(memory);
                _pooledBytes += bytes;
                return;
            }
        }
        memory.Dispose();
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var stack in _free.Values)
                foreach (var memory in stack) memory.Dispose();
            _free.Clear();
            _pooledBytes = 0;
            _disposed = true;
        }
    }
}

/// <summary>A grow-only device buffer for the intermediate results of one kernel call (im2col columns, packed gradients, partial sums).</summary>
internal sealed class Scratch<T>(Accelerator accelerator) : IDisposable where T : unmanaged
{
    private MemoryBuffer1D<T, Stride1D.Dense>? _memory;

    /// <summary>A view of at least <paramref name="length"/> elements; contents are undefined.</summary>
    public ArrayView<T> Get(long length)
    {
        length = Math.Max(1, length);
        if (_memory is null || _memory.Length < length)
        {
            // Queued kernels may still read the old buffer.
            accelerator.Synchronize();
            _memory?.Dispose();
            _memory = accelerator.Allocate1D<T>(length);
        }
        return _memory.View.SubView(0, length);
    }

    public void Dispose() => _memory?.Dispose();
}
