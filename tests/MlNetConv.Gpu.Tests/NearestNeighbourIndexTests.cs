using MlNetConv.Backends;
using MlNetConv.Backends.Cpu;
using MlNetConv.Gpu.Tests.Support;
using MlNetConv.Neighbours;
using MlNetConv.Tensors;

namespace MlNetConv.Gpu.Tests;

/// <summary>
/// The nearest-neighbour index with its distances multiplied out by the GPU backend (ILGPU's CPU accelerator here, CUDA
/// where there is one): exactly the reference's neighbours on small integers, and the CPU backend's bits on real values,
/// since only the direct distances decide.
/// </summary>
public sealed class NearestNeighbourIndexTests
{
    [Fact]
    public void SmallIntegers_MatchReferenceExactly_OnTheCpuAccelerator() => SmallIntegers(TestBackends.CpuAccelerator, new NearestNeighbourOptions());

    [Fact]
    public void RealValues_AreTheCpuBackendsBits_OnTheCpuAccelerator() => SameBitsAsCpu(TestBackends.CpuAccelerator, new NearestNeighbourOptions());

    [SkippableFact]
    public void RealValues_AreTheCpuBackendsBits_OnCuda()
    {
        var (backend, reason) = TestBackends.Cuda;
        Skip.If(backend is null, reason);
        SameBitsAsCpu(backend!, new NearestNeighbourOptions());
        SmallIntegers(backend!, new NearestNeighbourOptions());
    }

    [SkippableFact]
    public void RealValues_AreTheCpuBackendsBits_OnCudaWithTf32()
    {
        var (cuda, reason) = TestBackends.Cuda;
        Skip.If(cuda is null, reason);
        using var backend = GpuBackend.CreateCuda(0, new GpuBackendOptions { AllowTf32 = true });
        SameBitsAsCpu(backend, new NearestNeighbourOptions { ProductInputRounding = Math.Pow(2, -10) });
    }

    private static void SmallIntegers(IBackend backend, NearestNeighbourOptions options)
    {
        var random = new RandomStream(81, "gpu neighbours integers");
        foreach (var (n, d, count, k, chunk) in new[] { (1, 3, 4, 1, 0), (40, 5, 9, 7, 0), (130, 33, 21, 12, 50), (257, 16, 64, 257, 64) })
        {
            var vectors = Values(n * d, random, v => MathF.Round(v * 2));
            var queries = Values(count * d, random, v => MathF.Round(v * 2));
            for (int i = 0; i + 1 < n; i += 3) vectors.AsSpan(i * d, d).CopyTo(vectors.AsSpan((i + 1) * d, d));
            using var index = new NearestNeighbourIndex(backend, vectors, d, options: options with { ChunkVectors = chunk, DistanceBlockFloats = 500 });
            var actual = index.Search(queries, k);
            var expected = NearestNeighbourReference.Search(vectors, d, queries, k);
            Assert.Equal(expected.Indices, actual.Indices);
            Assert.Equal(expected.Distances, actual.Distances);
        }
    }

    private static void SameBitsAsCpu(IBackend backend, NearestNeighbourOptions options)
    {
        var random = new RandomStream(82, "gpu neighbours reals");
        const int n = 700, d = 96, count = 150, k = 6;
        var vectors = Values(n * d, random, v => MathF.Max(0, v) + 0.5f);
        var queries = Values(count * d, random, v => MathF.Max(0, v) + 0.5f);
        using var cpu = new NearestNeighbourIndex(CpuBackend.Default, vectors, d);
        using var gpu = new NearestNeighbourIndex(backend, vectors, d, options: options with { ChunkVectors = 256 });
        var expected = cpu.Search(queries, k);
        var actual = gpu.Search(queries, k);
        Assert.Equal(expected.Indices, actual.Indices);
        Assert.Equal(expected.Distances.Select(BitConverter.SingleToInt32Bits), actual.Distances.Select(BitConverter.SingleToInt32Bits));
        var loo = gpu.SearchLeaveOneOut(k);
        Assert.Equal(cpu.SearchLeaveOneOut(k).Indices, loo.Indices);
    }

    private static float[] Values(int count, RandomStream random, Func<float, float> shape) =>
        [.. Enumerable.Range(0, count).Select(_ => shape((float)random.NextGaussian()))];
}
