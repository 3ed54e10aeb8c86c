using BenchmarkDotNet.Attributes;
using MlNetConv.Tensors;

namespace MlNetConv.Bench.KernelBenchmarks;

/// <summary>A dense layer's forward pass, the SGEMM Y (N x out) = X (N x in) · Wᵀ + b, at N = 256, in = out = 1024.</summary>
public class DenseBenchmarks : KernelSuite
{
    private Tensor _x = null!, _w = null!, _b = null!, _y = null!;

    [GlobalSetup]
    public void Setup()
    {
        CreateBackend();
        _x = Random(new Shape(256, 1024), 1);
        _w = Random(new Shape(1024, 1024), 2);
        _b = Random(new Shape(1024), 3);
        _y = Empty(new Shape(256, 1024));
    }

    [Benchmark]
    public void Forward() => Backend.Dense.Forward(_x, _w, _b, _y);
}
