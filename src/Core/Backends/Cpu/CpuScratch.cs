namespace MlNetConv.Backends.Cpu;

/// <summary>
/// A pinned float buffer whose start is aligned to 64 bytes (one cache line, one Vector512), for packed GEMM operands
/// and im2col columns. Rented from <see cref="CpuScratch"/> and given back, so steady-state calls allocate nothing.
/// </summary>
internal sealed unsafe class ScratchBuffer
{
    private const int AlignFloats = 16;
    private readonly float[] _array;

    public ScratchBuffer(int capacity)
    {
        _array = GC.AllocateUninitializedArray<float>(capacity + AlignFloats, pinned: true);
        fixed (float* p = _array)
        {
            int skip = (int)((64 - (nint)p % 64) % 64) / sizeof(float);
            Pointer = p + skip;
        }
        Capacity = capacity;
    }

    public float* Pointer { get; }
    public int Capacity { get; }
    public Span<float> Span(int length) => new(Pointer, length);
}

/// <summary>A small pool of scratch buffers shared by all CPU kernels and threads; best fit, grows on demand.</summary>
internal static class CpuScratch
{
    private static readonly List<ScratchBuffer> Free = [];
    private static readonly int MaxPooled = 2 * Environment.ProcessorCount + 8;

    /// <summary>A buffer of at least <paramref name="floats"/> elements, contents undefined.</summary>
    public static ScratchBuffer Rent(int floats)
    {
        lock (Free)
        {
            int best = -1;
            for (int i = 0; i < Free.Count; i++)
                if (Free[i].Capacity >= floats && (best < 0 || Free[i].Capacity < Free[best].Capacity)) best = i;
            if (best >= 0)
            {
                var buffer = Free[best];
                Free.RemoveAt(best);
                return buffer;
            }
        }
        // Round up so that slowly growing requests do not reallocate every time.
        return new ScratchBuffer(Math.Max(floats, 1024) + floats / 8);
    }

    public static void Return(ScratchBuffer buffer)
    {
        lock (Free)
        {
            Free.Add(buffer);
            if (Free.Count <= MaxPooled) return;
            int smallest = 0;
            for (int i = 1; i < Free.Count; i++)
                if (Free[i].Capacity < Free[smallest].Capacity) smallest = i;
            Free.RemoveAt(smallest);
        }
    }
}
