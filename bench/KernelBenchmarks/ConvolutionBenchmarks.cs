using BenchmarkDotNet.Attributes;
using MlNetConv.Geometry;
using MlNetConv.Tensors;

namespace MlNetConv.Bench.KernelBenchmarks;

/// <summary>
/// A 3x3 convolution 64 → 64 on 28x28 with padding 1, batch 8: forward, input gradient, weight and bias gradient; on the
/// fast kernels with Winograd's F(2x2, 3x3) (their choice here), on the GEMM layouts alone, and on the reference kernels.
/// </summary>
public class ConvolutionBenchmarks : KernelSuite
{
    public override IEnumerable<Kernels> KernelChoices => [Kernels.Fast, Kernels.FastWithoutWinograd, Kernels.Reference];

    private const int Batch = 8;
    private ConvGeometry _g = null!;
    private Tensor _x = null!, _w = null!, _b = null!, _y = null!, _dy = null!, _dx = null!, _dw = null!, _db = null!;

    [GlobalSetup]
    public void Setup()
    {
        CreateBackend();
        var input = new Shape(Batch, 64, 28, 28);
        _g = ConvGeometry.Create(input, 64, [3, 3], [1, 1], [1, 1], Padding.Explicit(1, 1), groups: 1, table: null, "conv3x3");
        _x = Random(input, 1);
        _w = Random(_g.WeightShape, 2);
        _b = Random(new Shape(64), 3);
        _dy = Random(_g.OutputShape(Batch), 4);
        _y = Empty(_g.OutputShape(Batch));
        _dx = Empty(input);
        _dw = Empty(_g.WeightShape);
        _db = Empty(new Shape(64));
    }

    [Benchmark]
    public void Forward() => Backend.Convolution.Forward(_g, _x, _w, _b, _y);

    [Benchmark]
    public void BackwardData() => Backend.Convolution.BackwardData(_g, _dy, _w, _dx);

    [Benchmark]
    public void BackwardWeights() => Backend.Convolution.BackwardWeights(_g, _x, _dy, _dw, _db);
}
