using BenchmarkDotNet.Attributes;
using MlNetConv.Backends;
using MlNetConv.Backends.Cpu;
using MlNetConv.Tensors;

namespace MlNetConv.Bench.KernelBenchmarks;

/// <summary>The backend a suite runs on: the fast kernels (with or without Winograd's convolution) or their reference twins.</summary>
public enum Kernels
{
    Fast,
    FastWithoutWinograd,
    Reference,
}

/// <summary>What every suite shares: a backend per <see cref="Kernels"/> and seeded tensors on it.</summary>
public abstract class KernelSuite
{
    private readonly List<IDisposable> _tensors = [];

    [ParamsSource(nameof(KernelChoices))]
    public Kernels Kernels { get; set; }

    /// <summary>The backends this suite compares (only where Winograd applies does the fast path without it differ).</summary>
    public virtual IEnumerable<Kernels> KernelChoices => [Kernels.Fast, Kernels.Reference];

    protected IBackend Backend { get; private set; } = CpuBackend.Default;

    protected void CreateBackend() => Backend = Kernels switch
    {
        Kernels.Fast => CpuBackend.Default,
        Kernels.FastWithoutWinograd => new CpuBackend(new CpuBackendOptions { Winograd = false }),
        _ => new CpuBackend(new CpuBackendOptions { ReferenceKernels = true }),
    };

    /// <summary>A tensor of <paramref name="shape"/> with values uniform in [-1, 1) from <paramref name="seed"/>.</summary>
    protected Tensor Random(Shape shape, int seed)
    {
        var t = Backend.Allocate(shape);
        Backend.Upload(RandomValues.Uniform(shape.Size, seed), t);
        _tensors.Add(t);
        return t;
    }

    protected Tensor Empty(Shape shape)
    {
        var t = Backend.Allocate(shape);
        _tensors.Add(t);
        return t;
    }

    protected IndexTensor EmptyIndices(Shape shape)
    {
        var t = Backend.AllocateIndices(shape);
        _tensors.Add(t);
        return t;
    }

    [GlobalCleanup]
    public void Release()
    {
        foreach (var t in _tensors) t.Dispose();
        _tensors.Clear();
    }
}
