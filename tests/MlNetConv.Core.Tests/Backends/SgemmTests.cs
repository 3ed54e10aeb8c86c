using MlNetConv.Backends.Cpu.Gemm;
using MlNetConv.Tensors;

namespace MlNetConv.Tests.Backends;

/// <summary>SGEMM against a naive double-precision triple loop, on every micro-kernel this machine runs.</summary>
public sealed class SgemmTests
{
    public static TheoryData<string> Isas()
    {
        var data = new TheoryData<string> { nameof(GemmIsa.Scalar) };
        if (System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated) data.Add(nameof(GemmIsa.Vector128));
        if (System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated) data.Add(nameof(GemmIsa.Vector256));
        if (System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated) data.Add(nameof(GemmIsa.Vector512));
        return data;
    }

    // Sizes around the micro-tiles (4, 6, 8, 16, 32), the blocks (MC 96, KC 256) and primes.
    private static readonly int[] Sizes = [1, 2, 3, 5, 7, 8, 9, 13, 16, 17, 31, 32, 33, 47, 64, 97, 101, 127, 191, 257, 263, 300];

    [Theory, MemberData(nameof(Isas))]
    public void RandomShapes_MatchNaiveProduct(string isaName)
    {
        var isa = Enum.Parse<GemmIsa>(isaName);
        var random = new RandomStream(11, "sgemm shapes " + isaName);
        long work = 0;
        for (int trial = 0; trial < 60 && work < 40_000_000; trial++)
        {
            int m = random.Pick(Sizes), n = random.Pick(Sizes), k = random.Pick(Sizes);
            bool transposeA = random.NextInt(2) == 1, transposeB = random.NextInt(2) == 1, parallel = random.NextInt(2) == 1;
            float alpha = random.Pick(1f, -0.5f, 2f), beta = random.Pick(0f, 1f, 0.25f);
            CheckAgainstNaive(isa, random, m, n, k, transposeA, transposeB, alpha, beta, parallel, extraLd: random.NextInt(3) * 5);
            work += (long)m * n * k;
        }
    }

    /// <summary>A large operand is packed on every core, each thread taking whole panels: the same bytes as one thread's.</summary>
    [Theory]
    [InlineData(nameof(GemmIsa.Vector512), false)]
    [InlineData(nameof(GemmIsa.Vector512), true)]
    [InlineData(nameof(GemmIsa.Vector256), false)]
    [InlineData(nameof(GemmIsa.Vector128), true)]
    [InlineData(nameof(GemmIsa.Scalar), true)]
    public unsafe void PackA_OnEveryCore_EqualsOneThread(string isaName, bool transposeA)
    {
        var isa = Enum.Parse<GemmIsa>(isaName);
        const int m = 701, k = 389; // 272,689 floats: above the parallel threshold; m not a multiple of any MR
        var a = KernelParity.Uniform(m * k, new RandomStream(13, "pack a"));
        int mr = GemmBlocking.For(isa).MR, length = GemmDriver.PackedALength(m, k, isa);
        var parallel = new float[length];
        var serial = new float[length];
        fixed (float* pa = a, pp = parallel, ps = serial)
        {
            GemmDriver.PackA(transposeA, pa, transposeA ? m : k, m, k, isa, pp);
            GemmPacking.PackA(pa, transposeA ? m : k, transposeA, 0, m, 0, k, mr, ps);
        }
        Assert.Equal(serial, parallel);
    }

    [Theory, MemberData(nameof(Isas))]
    public void AllTransposes_EdgeSizes(string isaName)
    {
        var isa = Enum.Parse<GemmIsa>(isaName);
        var random = new RandomStream(12, "sgemm transposes " + isaName);
        foreach (var (m, n, k) in new[] { (1, 1, 1), (1, 37, 1), (37, 1, 300), (9, 33, 257), (100, 70, 3), (3, 2100, 5) })
            foreach (bool ta in new[] { false, true })
                foreach (bool tb in new[] { false, true })
                    CheckAgainstNaive(isa, random, m, n, k, ta, tb, 1.5f, 0.5f, parallel: true, extraLd: 3);
    }

    [Fact]
    public void BetaZero_OverwritesNaNAndKZeroScales()
    {
        var a = new float[] { 1, 2, 3, 4 }; // (2 x 2)
        var c = new float[] { float.NaN, float.NaN, float.NaN, float.NaN };
        Sgemm.Multiply(false, false, 2, 2, 2, 1f, a, 2, a, 2, 0f, c, 2);
        Assert.Equal(new float[] { 7, 10, 15, 22 }, c);

        Sgemm.Multiply(false, false, 2, 2, 0, 1f, [], 1, [], 2, 0.5f, c, 2);
        Assert.Equal(new float[] { 3.5f, 5, 7.5f, 11 }, c);
    }

    [Fact]
    public void SameCall_IsBitIdentical_SerialOrThreaded()
    {
        var random = new RandomStream(13, "sgemm determinism");
        int m = 301, n = 517, k = 700;
        var a = KernelParity.Uniform(m * k, random);
        var b = KernelParity.Uniform(k * n, random);
        var first = new float[m * n];
        var second = new float[m * n];
        var serial = new float[m * n];
        Sgemm.Multiply(false, true, m, n, k, 1f, a, k, b, k, 0f, first, n);
        Sgemm.Multiply(false, true, m, n, k, 1f, a, k, b, k, 0f, second, n);
        Sgemm.Multiply(false, true, m, n, k, 1f, a, k, b, k, 0f, serial, n, GemmBlocking.BestIsa, parallel: false);
        Assert.Equal(first, second);
        Assert.Equal(first, serial);
    }

    [Fact]
    public void WideProduct_PackedInColumnBlocks_MatchesNaive()
    {
        // K x N above the packed-B budget (4M floats): the product runs as column blocks.
        var random = new RandomStream(15, "sgemm column blocks");
        CheckAgainstNaive(GemmBlocking.BestIsa, random, 3, 4500, 1000, transposeA: false, transposeB: true, 1f, 0.5f, parallel: true, extraLd: 1);
        CheckAgainstNaive(GemmBlocking.BestIsa, random, 2, 4500, 1000, transposeA: true, transposeB: false, 1f, 0f, parallel: false, extraLd: 0);
    }

    [Fact]
    public void SerialCall_AllocatesNothingOnceWarm()
    {
        var random = new RandomStream(14, "sgemm allocations");
        int m = 70, n = 90, k = 300;
        var a = KernelParity.Uniform(m * k, random);
        var b = KernelParity.Uniform(n * k, random);
        var c = new float[m * n];
        long least = long.MaxValue;
        // Packing buffers come from a pool shared with concurrently running tests: one clean call out of a few suffices.
        for (int i = 0; i < 5; i++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            Sgemm.Multiply(false, true, m, n, k, 1f, a, k, b, k, 0f, c, n, GemmBlocking.BestIsa, parallel: false);
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        Assert.Equal(0, least);
    }

    [Fact]
    public void ShortOperand_IsRejectedWithItsName()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            Sgemm.Multiply(false, false, 4, 4, 4, 1f, new float[16], 4, new float[15], 4, 0f, new float[16], 4));
        Assert.Equal("Sgemm: B stored as (4 x 4) with leading dimension 4 needs 16 elements, got 15.", error.Message);
        error = Assert.Throws<ArgumentException>(() =>
            Sgemm.Multiply(true, false, 4, 4, 3, 1f, new float[16], 3, new float[16], 4, 0f, new float[16], 4));
        Assert.Equal("Sgemm: the leading dimension of A must be >= 4 (its stored row length), got 3.", error.Message);
    }

    /// <summary>C (m x n, leading dimension n + extraLd, its padding columns a sentinel that must survive) against doubles.</summary>
    private static void CheckAgainstNaive(GemmIsa isa, RandomStream random, int m, int n, int k, bool transposeA, bool transposeB,
        float alpha, float beta, bool parallel, int extraLd)
    {
        int lda = (transposeA ? m : k) + extraLd, ldb = (transposeB ? k : n) + extraLd, ldc = n + extraLd;
        var a = KernelParity.Uniform((transposeA ? k : m) * lda, random);
        var b = KernelParity.Uniform((transposeB ? n : k) * ldb, random);
        var c = KernelParity.Uniform(m * ldc, random);
        for (int i = 0; i < m; i++)
            for (int j = n; j < ldc; j++) c[i * ldc + j] = 12345f;
        var expected = new float[m * n];
        var magnitude = new float[m * n];
        var actual = new float[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double sum = 0, abs = 0;
                for (int p = 0; p < k; p++)
                {
                    double product = (double)a[transposeA ? p * lda + i : i * lda + p] * b[transposeB ? j * ldb + p : p * ldb + j];
                    sum += product;
                    abs += Math.Abs(product);
                }
                double c0 = c[i * ldc + j];
                expected[i * n + j] = (float)(alpha * sum + (beta == 0 ? 0 : beta * c0));
                magnitude[i * n + j] = (float)(Math.Abs(alpha) * abs + Math.Abs(beta * c0));
            }

        Sgemm.Multiply(transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, isa, parallel);

        for (int i = 0; i < m; i++)
        {
            c.AsSpan(i * ldc, n).CopyTo(actual.AsSpan(i * n, n));
            for (int j = n; j < ldc; j++) Assert.Equal(12345f, c[i * ldc + j]);
        }
        KernelParity.AssertClose(expected, actual, magnitude, 1e-5,
            $"{isa} m={m} n={n} k={k} transposeA={transposeA} transposeB={transposeB} alpha={alpha} beta={beta} parallel={parallel} extraLd={extraLd}");
    }
}

/// <summary>The ISA cap that benchmarks set through the environment.</summary>
public sealed class GemmIsaCapTests
{
    [Theory]
    [InlineData("Vector512", "vector128", "Vector128")]
    [InlineData("Vector512", "Vector256", "Vector256")]
    [InlineData("Vector256", "vector512", "Vector256")]
    [InlineData("Vector128", "scalar", "Scalar")]
    [InlineData("Vector512", "", "Vector512")]
    [InlineData("Vector256", null, "Vector256")]
    public void A_cap_narrows_but_never_widens(string hardware, string? requested, string expected) =>
        Assert.Equal(Enum.Parse<GemmIsa>(expected), GemmBlocking.Cap(Enum.Parse<GemmIsa>(hardware), requested));

    [Theory]
    [InlineData("avx2")]
    [InlineData("2")]
    public void An_unknown_name_is_refused_with_the_names(string requested) =>
        Assert.Contains("vector128", Assert.Throws<ArgumentException>(() => GemmBlocking.Cap(GemmIsa.Vector512, requested)).Message);
}
