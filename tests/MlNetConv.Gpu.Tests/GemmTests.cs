using ILGPU;
using ILGPU.Runtime;
using MlNetConv.Conformance;
using MlNetConv.Gpu.Kernels;
using MlNetConv.Gpu.Tests.Support;

namespace MlNetConv.Gpu.Tests;

/// <summary>The ILGPU tiled SGEMM against a double-precision host GEMM: transposes, edges off the 64×64 tiles, batches, shared A, accumulation.</summary>
public sealed class GemmTests
{
    public static TheoryData<bool, bool, int, int, int, int, float> Shapes => new()
    {
        // transA, transB, M, N, K, batch, beta
        { false, false, 1, 1, 1, 1, 0f },
        { false, false, 64, 64, 16, 1, 0f },
        { false, true, 65, 17, 33, 1, 0f },
        { true, false, 7, 70, 129, 1, 1f },
        { true, true, 19, 5, 3, 2, 0f },
        { false, false, 5, 31, 9, 3, 0.5f },
    };

    [Theory, MemberData(nameof(Shapes))]
    public void TiledGemm_MatchesHostGemm(bool transA, bool transB, int m, int n, int k, int batch, float beta)
    {
        var backend = TestBackends.CpuAccelerator;
        var a = BackendConformance.Random(m * k * batch, "a");
        var b = BackendConformance.Random(k * n * batch, "b");
        var c = BackendConformance.Random(m * n * batch, "c");
        var p = GemmParams.Create(transA, transB, m, n, k, 1.5f, beta, (long)m * k, (long)k * n, (long)m * n);

        var actual = Run(backend, backend.TiledGemm, p, batch, a, b, c);

        var expected = new float[c.Length];
        for (int i = 0; i < batch; i++)
            for (int row = 0; row < m; row++)
                for (int col = 0; col < n; col++)
                {
                    double sum = 0;
                    for (int kk = 0; kk < k; kk++)
                    {
                        float av = transA ? a[i * m * k + kk * m + row] : a[i * m * k + row * k + kk];
                        float bv = transB ? b[i * k * n + col * k + kk] : b[i * k * n + kk * n + col];
                        sum += (double)av * bv;
                    }
                    int at = i * m * n + row * n + col;
                    expected[at] = (float)(1.5 * sum + beta * c[at]);
                }
        Parity.AssertClose($"SGEMM {p} x{batch}", expected, actual, new Tolerance(1e-5, 1e-5));
    }

    [Fact]
    public void BatchedGemm_WithStrideZero_SharesOneA()
    {
        var backend = TestBackends.CpuAccelerator;
        var a = BackendConformance.Random(3 * 4, "shared a");
        var b = BackendConformance.Random(4 * 5 * 2, "b");
        var p = GemmParams.Create(false, false, 3, 5, 4, 1f, 0f, 0, 20, 15);

        var both = Run(backend, backend.TiledGemm, p, 2, a, b, new float[30]);
        var second = Run(backend, backend.TiledGemm, GemmParams.Create(false, false, 3, 5, 4), 1, a, b[20..], new float[15]);

        Parity.AssertClose("second batch", second, both[15..], Tolerance.Exact);
    }

    internal static float[] Run(GpuBackend backend, IGemm gemm, GemmParams p, int batch, float[] a, float[] b, float[] c)
    {
        var accelerator = backend.Accelerator;
        using var da = accelerator.Allocate1D(a);
        using var db = accelerator.Allocate1D(b);
        using var dc = accelerator.Allocate1D(c);
        gemm.Run(p, batch, da.View, db.View, dc.View);
        return dc.GetAsArray1D();
    }
}
