using BenchmarkDotNet.Attributes;
using MlNetConv.Backends;
using MlNetConv.Tensors;

namespace MlNetConv.Bench.KernelBenchmarks;

/// <summary>ReLU forward and backward over 4 M values (a batch of 16 ResNet stem activations, 64 x 64x64).</summary>
public class ActivationBenchmarks : KernelSuite
{
    private Tensor _x = null!, _y = null!, _dy = null!, _dx = null!;

    [GlobalSetup]
    public void Setup()
    {
        CreateBackend();
        var shape = new Shape(16, 64, 64, 64);
        _x = Random(shape, 1);
        _dy = Random(shape, 2);
        _y = Empty(shape);
        _dx = Empty(shape);
    }

    [Benchmark]
    public void ReluForward() => Backend.Activation.Forward(default(ReluOp), _x, _y);

    [Benchmark]
    public void ReluBackward() => Backend.Activation.Backward(default(ReluOp), _x, _y, _dy, _dx);
}
