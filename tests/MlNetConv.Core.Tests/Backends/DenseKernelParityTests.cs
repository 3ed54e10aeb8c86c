using MlNetConv.Backends;
using MlNetConv.Backends.Cpu;
using MlNetConv.Backends.Cpu.Gemm;
using MlNetConv.Backends.Cpu.Kernels;
using MlNetConv.Tensors;

namespace MlNetConv.Tests.Backends;

/// <summary>The GEMM dense kernels of the CPU backend against the reference (dot-product) kernels, on every micro-kernel.</summary>
public sealed class DenseKernelParityTests
{
    private const double Tolerance = 1e-4;

    private static readonly CpuBackend Cpu = new();
    private static readonly IDenseKernels Reference = new CpuBackend(new CpuBackendOptions { ReferenceKernels = true }).Dense;

    public static TheoryData<string> Isas => SgemmTests.Isas();

    [Theory, MemberData(nameof(Isas))]
    public void RandomShapes_MatchReference(string isa)
    {
        var fast = new CpuDenseKernels(Enum.Parse<GemmIsa>(isa));
        var random = new RandomStream(31, "random dense");
        int[] sizes = [1, 2, 3, 7, 10, 16, 31, 33, 84, 97, 120, 257];
        for (int trial = 0; trial < 40; trial++)
        {
            int n = random.Pick(1, 1, 2, 5, 17, 64, 70), inSize = random.Pick(sizes), outSize = random.Pick(sizes);
            bool bias = random.NextInt(3) > 0;
            string what = $"dense n={n} in={inSize} out={outSize} bias={bias}";
            var x = KernelParity.Uniform(n * inSize, random);
            var w = KernelParity.Uniform(outSize * inSize, random);
            var b = KernelParity.Uniform(outSize, random);
            var dy = KernelParity.Uniform(n * outSize, random);
            var dw0 = KernelParity.Uniform(outSize * inSize, random);
            var db0 = KernelParity.Uniform(outSize, random);
            var ax = KernelParity.Abs(x);
            var aw = KernelParity.Abs(w);
            var ady = KernelParity.Abs(dy);

            KernelParity.AssertClose(Forward(Reference, n, x, w, bias ? b : null), Forward(fast, n, x, w, bias ? b : null),
                Forward(Reference, n, ax, aw, bias ? KernelParity.Abs(b) : null), Tolerance, what + " forward");
            KernelParity.AssertClose(BackwardData(Reference, n, dy, w, inSize), BackwardData(fast, n, dy, w, inSize),
                BackwardData(Reference, n, ady, aw, inSize), Tolerance, what + " input gradient");
            var (dw, db) = BackwardWeights(fast, n, x, dy, dw0, db0, bias);
            var (dwRef, dbRef) = BackwardWeights(Reference, n, x, dy, dw0, db0, bias);
            var (dwMag, dbMag) = BackwardWeights(Reference, n, ax, ady, KernelParity.Abs(dw0), KernelParity.Abs(db0), bias);
            KernelParity.AssertClose(dwRef, dw, dwMag, Tolerance, what + " weight gradient");
            KernelParity.AssertClose(dbRef, db, dbMag, Tolerance, what + " bias gradient");
        }
    }

    private static float[] Forward(IDenseKernels kernels, int n, float[] x, float[] w, float[]? b)
    {
        int outSize = w.Length / (x.Length / n);
        using var input = Tensor(Cpu, new Shape(n, x.Length / n), x);
        using var weight = Tensor(Cpu, new Shape(outSize, x.Length / n), w);
        using var bias = b is null ? null : Tensor(Cpu, new Shape(outSize), b);
        using var output = Tensor(Cpu, new Shape(n, outSize), Enumerable.Repeat(float.NaN, n * outSize).ToArray());
        kernels.Forward(input, weight, bias, output);
        return output.ToArray();
    }

    private static float[] BackwardData(IDenseKernels kernels, int n, float[] dy, float[] w, int inSize)
    {
        int outSize = dy.Length / n;
        using var outputGrad = Tensor(Cpu, new Shape(n, outSize), dy);
        using var weight = Tensor(Cpu, new Shape(outSize, inSize), w);
        using var inputGrad = Tensor(Cpu, new Shape(n, inSize), Enumerable.Repeat(float.NaN, n * inSize).ToArray());
        kernels.BackwardData(outputGrad, weight, inputGrad);
        return inputGrad.ToArray();
    }

    private static (float[] WeightGrad, float[] BiasGrad) BackwardWeights(IDenseKernels kernels, int n, float[] x, float[] dy, float[] dw0, float[] db0, bool bias)
    {
        int inSize = x.Length / n, outSize = dy.Length / n;
        using var input = Tensor(Cpu, new Shape(n, inSize), x);
        using var outputGrad = Tensor(Cpu, new Shape(n, outSize), dy);
        using var weightGrad = Tensor(Cpu, new Shape(outSize, inSize), dw0);
        using var biasGrad = Tensor(Cpu, new Shape(outSize), db0);
        kernels.BackwardWeights(input, outputGrad, weightGrad, bias ? biasGrad : null);
        return (weightGrad.ToArray(), biasGrad.ToArray());
    }

    private static Tensor Tensor(IBackend backend, Shape shape, float[] values)
    {
        var t = backend.Allocate(shape);
        t.CopyFrom(values);
        return t;
    }
}
