using MlNetConv.Backends.Cpu;
using MlNetConv.Tensors;

namespace MlNetConv.Tests.Backends;

/// <summary>The CPU element-wise kernels' vector lanes against plain loops: the same bits, tails included.</summary>
public sealed class ElementwiseKernelLanesTests
{
    private static readonly CpuBackend Backend = new();

    [Theory]
    [InlineData(1)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(1003)]
    public void AddMultiplyAxpyScale_MatchPlainLoops(int count)
    {
        var random = new RandomStream(43, $"elementwise {count}");
        float[] a = Values(count, random), b = Values(count, random);
        const float alpha = -0.73f;
        using var ta = Tensor(a);
        using var tb = Tensor(b);
        using var result = Backend.Allocate(new Shape(count));

        Backend.Elementwise.Add(ta, tb, result);
        Assert.Equal(Bits(a.Zip(b, (x, y) => x + y)), Bits(result.ToArray()));
        Backend.Elementwise.Multiply(ta, tb, result);
        Assert.Equal(Bits(a.Zip(b, (x, y) => x * y)), Bits(result.ToArray()));
        Backend.Elementwise.Axpy(alpha, ta, tb);
        Assert.Equal(Bits(a.Zip(b, (x, y) => y + alpha * x)), Bits(tb.ToArray()));
        var scaled = tb.ToArray();
        Backend.Elementwise.Scale(tb, alpha);
        Assert.Equal(Bits(scaled.Select(x => x * alpha)), Bits(tb.ToArray()));
    }

    private static Tensor Tensor(float[] values)
    {
        var t = Backend.Allocate(new Shape(values.Length));
        t.CopyFrom(values);
        return t;
    }

    private static float[] Values(int count, RandomStream random) => Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();

    private static int[] Bits(IEnumerable<float> values) => [.. values.Select(BitConverter.SingleToInt32Bits)];
}
