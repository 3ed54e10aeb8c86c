using MlNetConv.Backends.Cpu;
using MlNetConv.Tensors;

namespace MlNetConv.Tests.Optimizers;

/// <summary>The CPU optimizer kernels' vector lanes against the plain per-parameter formulas: the same bits.</summary>
public sealed class OptimizerKernelLanesTests
{
    private static readonly CpuBackend Backend = new();

    [Theory]
    [InlineData(1, 0f, 0f, false)]
    [InlineData(15, 0.9f, 0f, false)]
    [InlineData(16, 0.9f, 5e-4f, true)]
    [InlineData(17, 0.9f, 5e-4f, false)]
    [InlineData(1003, 0f, 1e-2f, false)]
    [InlineData(1003, 0.5f, 1e-3f, true)]
    public void Sgd_MatchesThePlainFormula(int count, float momentum, float weightDecay, bool nesterov)
    {
        var random = new RandomStream(41, $"sgd {count}");
        float[] w = Values(count, random), g = Values(count, random), v = Values(count, random);
        float[] expectedW = (float[])w.Clone(), expectedV = (float[])v.Clone();
        const float lr = 0.037f;
        for (int step = 0; step < 3; step++)
            for (int i = 0; i < count; i++)
            {
                float d = g[i] + weightDecay * expectedW[i];
                if (momentum != 0f)
                {
                    expectedV[i] = momentum * expectedV[i] + d;
                    d = nesterov ? d + momentum * expectedV[i] : expectedV[i];
                }
                expectedW[i] -= lr * d;
            }
        using var pw = Tensor(w);
        using var pg = Tensor(g);
        using var pv = Tensor(v);
        for (int step = 0; step < 3; step++) Backend.Optimizer.SgdStep(pw, pg, momentum != 0f ? pv : null, lr, momentum, weightDecay, nesterov);
        Assert.Equal(Bits(expectedW), Bits(pw.ToArray()));
        if (momentum != 0f) Assert.Equal(Bits(expectedV), Bits(pv.ToArray()));
    }

    [Theory]
    [InlineData(15, 0f, false)]
    [InlineData(16, 1e-2f, true)]
    [InlineData(1003, 1e-2f, false)]
    [InlineData(1003, 1e-2f, true)]
    public void Adam_MatchesThePlainFormula(int count, float weightDecay, bool decoupled)
    {
        var random = new RandomStream(42, $"adam {count}");
        float[] w = Values(count, random), g = Values(count, random);
        float[] expectedW = (float[])w.Clone(), expectedM = new float[count], expectedV = new float[count];
        const float lr = 1e-3f, beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f;
        for (int step = 1; step <= 3; step++)
        {
            float c1 = 1f - MathF.Pow(beta1, step), c2 = 1f - MathF.Pow(beta2, step);
            for (int i = 0; i < count; i++)
            {
                float d = g[i];
                if (decoupled) expectedW[i] -= lr * weightDecay * expectedW[i];
                else d += weightDecay * expectedW[i];
                expectedM[i] = beta1 * expectedM[i] + (1 - beta1) * d;
                expectedV[i] = beta2 * expectedV[i] + (1 - beta2) * d * d;
                expectedW[i] -= lr * (expectedM[i] / c1) / (MathF.Sqrt(expectedV[i] / c2) + eps);
            }
        }
        using var pw = Tensor(w);
        using var pg = Tensor(g);
        using var pm = Tensor(new float[count]);
        using var pv = Tensor(new float[count]);
        for (int step = 1; step <= 3; step++) Backend.Optimizer.AdamStep(pw, pg, pm, pv, lr, beta1, beta2, eps, weightDecay, decoupled, step);
        Assert.Equal(Bits(expectedW), Bits(pw.ToArray()));
        Assert.Equal(Bits(expectedM), Bits(pm.ToArray()));
        Assert.Equal(Bits(expectedV), Bits(pv.ToArray()));
    }

    private static Tensor Tensor(float[] values)
    {
        var t = Backend.Allocate(new Shape(values.Length));
        t.CopyFrom(values);
        return t;
    }

    private static float[] Values(int count, RandomStream random) => Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();

    private static int[] Bits(float[] values) => [.. values.Select(BitConverter.SingleToInt32Bits)];
}
