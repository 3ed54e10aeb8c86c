using ILGPU;
using ILGPU.Runtime;

namespace MlNetConv.Gpu.Kernels;

/// <summary>One term of a sum over a flat index range, computed inside the reduction kernel.</summary>
internal interface ISumTerm
{
    double At(int i);
}

/// <summary>x[i].</summary>
internal readonly struct ValueTerm(ArrayView<float> x) : ISumTerm
{
    private readonly ArrayView<float> _x = x;
    public double At(int i) => _x[i];
}

/// <summary>(a[i] - b[i])², in double like the CPU kernel.</summary>
internal readonly struct SquaredDifferenceTerm(ArrayView<float> a, ArrayView<float> b) : ISumTerm
{
    private readonly ArrayView<float> _a = a, _b = b;
    public double At(int i)
    {
        float d = _a[i] - _b[i];
        return (double)d * d;
    }
}

/// <summary>
/// Deterministic sums: every group reduces a fixed set of elements through a fixed tree in shared memory, and the
/// per-group results are added on the host in group order. No atomics, so a sum never depends on thread timing.
/// </summary>
internal sealed class GpuReductions
{
    public const int MaxGroupSize = 256;
    private const int MaxGroups = 256;

    private readonly GpuBackend _b;
    private readonly Action<KernelConfig, ArrayView<float>, ArrayView<float>, int, int, int> _channelSums;
    private readonly Dictionary<Type, Delegate> _partialSums = [];

    public GpuReductions(GpuBackend backend)
    {
        _b = backend;
        _channelSums = backend.Accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, int, int, int>(ChannelSumsKernel);
        Load<ValueTerm>();
        Load<SquaredDifferenceTerm>();
    }

    /// <summary>target[c] += Σ over samples and positions of x[n, c, s].</summary>
    /// <param name="x">(N, C, S) as a flat view</param>
    /// <param name="target">(C)</param>
    public void AddChannelSums(ArrayView<float> x, int n, int c, int s, ArrayView<float> target)
    {
        if (c == 0) return;
        _channelSums(new KernelConfig(c, _b.ReduceGroupSize), x, target, n, c, s);
    }

    /// <summary>Σ term.At(i) for i in [0, count), accumulated in double. Waits for the device.</summary>
    public double Sum<TTerm>(TTerm term, int count) where TTerm : struct, ISumTerm
    {
        if (count == 0) return 0;
        int groupSize = _b.ReduceGroupSize;
        int groups = (int)Math.Min(MaxGroups, (count + groupSize - 1L) / groupSize);
        if (!_b.IsCuda) groups = Math.Min(groups, 4); // the emulator pays per group
        var partials = _b.Partials.Get(groups);
        var kernel = (Action<KernelConfig, ArrayView<double>, int, TTerm>)Load<TTerm>();
        kernel(new KernelConfig(groups, groupSize), partials, count, term);
        var host = new double[groups];
        ((ArrayView1D<double, Stride1D.Dense>)partials).CopyToCPU(_b.Accelerator.DefaultStream, host);
        double sum = 0;
        foreach (double v in host) sum += v;
        return sum;
    }

    private Delegate Load<TTerm>() where TTerm : struct, ISumTerm
    {
        lock (_partialSums)
        {
            if (!_partialSums.TryGetValue(typeof(TTerm), out var kernel))
                _partialSums[typeof(TTerm)] = kernel = _b.Accelerator.LoadStreamKernel<ArrayView<double>, int, TTerm>(PartialSumsKernel);
            return kernel;
        }
    }

    /// <summary>
    /// Σ of every thread's value over the group, returned to all threads. Every thread of the group must call it; the
    /// group size is a power of two.
    /// </summary>
    public static double GroupSum(double value, ArrayView<double> shared)
    {
        int t = Group.IdxX;
        shared[t] = value;
        Group.Barrier();
        for (int stride = Group.DimX / 2; stride > 0; stride >>= 1)
        {
            if (t < stride) shared[t] += shared[t + stride];
            Group.Barrier();
        }
        double total = shared[0];
        Group.Barrier();
        return total;
    }

    // One group per channel c of x (N, C, S).
    private static void ChannelSumsKernel(ArrayView<float> x, ArrayView<float> target, int n, int c, int s)
    {
        var shared = SharedMemory.Allocate<double>(MaxGroupSize);
        int ch = Grid.IdxX, count = n * s;
        double sum = 0;
        for (int i = Group.IdxX; i < count; i += Group.DimX)
        {
            int sample = i / s;
            sum += x[(sample * c + ch) * s + (i - sample * s)];
        }
        double total = GroupSum(sum, shared);
        if (Group.IdxX == 0) target[ch] += (float)total;
    }

    // Group g sums elements g·G + t, then every G·groups further.
    private static void PartialSumsKernel<TTerm>(ArrayView<double> partials, int count, TTerm term) where TTerm : struct, ISumTerm
    {
        var shared = SharedMemory.Allocate<double>(MaxGroupSize);
        double sum = 0;
        int stride = Grid.DimX * Group.DimX;
        for (int i = Grid.IdxX * Group.DimX + Group.IdxX; i < count; i += stride) sum += term.At(i);
        double total = GroupSum(sum, shared);
        if (Group.IdxX == 0) partials[Grid.IdxX] = total;
    }
}
