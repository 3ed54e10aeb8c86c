using BenchmarkDotNet.Attributes;
using MlNetConv.Geometry;
using MlNetConv.Tensors;

namespace MlNetConv.Bench.KernelBenchmarks;

/// <summary>
/// Max pooling forward (values and indices): ResNet's stem pool (3x3, stride 2, padding 1 on 64 x 112x112, batch 4) and
/// LeNet-5's (2x2, stride 2 on 6 x 28x28, batch 64).
/// </summary>
public class PoolingBenchmarks : KernelSuite
{
    private PoolGeometry _resnet = null!, _lenet = null!;
    private Tensor _resnetX = null!, _resnetY = null!, _lenetX = null!, _lenetY = null!;
    private IndexTensor _resnetIndices = null!, _lenetIndices = null!;

    [GlobalSetup]
    public void Setup()
    {
        CreateBackend();
        var resnet = new Shape(4, 64, 112, 112);
        _resnet = PoolGeometry.Create(resnet, [3, 3], [2, 2], 1, [1, 1], ceilMode: false, countIncludePad: false, "maxpool");
        _resnetX = Random(resnet, 1);
        _resnetY = Empty(_resnet.OutputShape(4));
        _resnetIndices = EmptyIndices(_resnet.OutputShape(4));
        var lenet = new Shape(64, 6, 28, 28);
        _lenet = PoolGeometry.Create(lenet, [2, 2], [2, 2], 0, [1, 1], ceilMode: false, countIncludePad: false, "pool1");
        _lenetX = Random(lenet, 2);
        _lenetY = Empty(_lenet.OutputShape(64));
        _lenetIndices = EmptyIndices(_lenet.OutputShape(64));
    }

    [Benchmark]
    public void ResNetStem() => Backend.Pooling.MaxForward(_resnet, _resnetX, _resnetY, _resnetIndices);

    [Benchmark]
    public void LeNet() => Backend.Pooling.MaxForward(_lenet, _lenetX, _lenetY, _lenetIndices);
}
