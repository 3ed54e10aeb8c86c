using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MlNetConv.Backends.Cpu.Gemm;

/// <summary>
/// Copies operands into the order the micro-kernel reads them. A block: MR-row panels, each kc x MR (the MR values of
/// one k together). B: NR-column panels, each K x NR (the NR values of one k together). Rows or columns past the edge
/// are zero, so edge tiles run the same kernel, and the same arithmetic, as full ones.
/// </summary>
internal static unsafe class GemmPacking
{
    /// <summary>Packs rows [i0, i0 + mc) and depths [p0, p0 + kc) of op(A) into ceil(mc / MR) panels of kc x MR at dst.</summary>
    /// <param name="a">A, row-major with leading dimension lda: op(A)[i, p] = a[i * lda + p], or a[p * lda + i] when transposed</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackA(float* a, nint lda, bool transposed, int i0, int mc, int p0, int kc, int mr, float* dst)
    {
        for (int ip = 0; ip < mc; ip += mr, dst += mr * kc)
        {
            int rows = Math.Min(mr, mc - ip);
            if (transposed)
            {
                float* src = a + (nint)p0 * lda + i0 + ip;
                for (int p = 0; p < kc; p++, src += lda)
                {
                    float* d = dst + p * mr;
                    int r = 0;
                    for (; r < rows; r++) d[r] = src[r];
                    for (; r < mr; r++) d[r] = 0f;
                }
            }
            else if (mr == 8 && rows == 8 && Avx.IsSupported)
            {
                // 8 rows x 8 depths at a time, transposed in registers: contiguous reads and writes.
                float* src = a + (nint)(i0 + ip) * lda + p0;
                int p = 0;
                for (; p <= kc - 8; p += 8) Transpose8x8(src + p, lda, dst + p * 8, 8);
                for (; p < kc; p++)
                    for (int r = 0; r < 8; r++) dst[p * 8 + r] = src[r * lda + p];
            }
            else
            {
                for (int p = 0; p < kc; p++)
                {
                    float* d = dst + p * mr;
                    float* src = a + (nint)(i0 + ip) * lda + p0 + p;
                    int r = 0;
                    for (; r < rows; r++) d[r] = src[r * lda];
                    for (; r < mr; r++) d[r] = 0f;
                }
            }
        }
    }

    /// <summary>Packs columns [j0, j0 + NR) (n valid) and all k depths of op(B) into one K x NR panel at dst.</summary>
    /// <param name="b">B, row-major with leading dimension ldb: op(B)[p, j] = b[p * ldb + j], or b[j * ldb + p] when transposed</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackBPanel(float* b, nint ldb, bool transposed, int j0, int n, int k, int nr, float* dst)
    {
        if (transposed)
        {
            // Blocks of 8 columns x 8 depths transposed in registers, 8 source rows at a time along all of k: rows a
            // power-of-two stride apart share cache sets, and 8 of them fit the ways. The rest (and machines without
            // AVX) one by one.
            int full = Avx.IsSupported ? n / 8 * 8 : 0, deep = k / 8 * 8;
            for (int c = 0; c < full; c += 8)
            {
                float* src = b + (nint)(j0 + c) * ldb;
                for (int p = 0; p < deep; p += 8) Transpose8x8(src + p, ldb, dst + p * nr + c, nr);
            }
            for (int c = 0; c < nr; c++)
            {
                float* src = b + (nint)(j0 + c) * ldb;
                for (int q = c < full ? deep : 0; q < k; q++) dst[q * nr + c] = c < n ? src[q] : 0f;
            }
            return;
        }
        float* row = b + j0;
        if (n == nr && nr == 32 && Vector512.IsHardwareAccelerated)
        {
            for (int p = 0; p < k; p++, row += ldb, dst += 32)
            {
                Vector512.Store(Vector512.Load(row), dst);
                Vector512.Store(Vector512.Load(row + 16), dst + 16);
            }
            return;
        }
        for (int p = 0; p < k; p++, row += ldb, dst += nr)
        {
            int c = 0;
            for (; c < n; c++) dst[c] = row[c];
            for (; c < nr; c++) dst[c] = 0f;
        }
    }

    /// <summary>dst[j * dstStride + i] = src[i * srcStride + j] for an 8 x 8 block (AVX unpack/shuffle/permute).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Transpose8x8(float* src, nint srcStride, float* dst, nint dstStride) =>
        Transpose8x8(Avx.LoadVector256(src), Avx.LoadVector256(src + srcStride), Avx.LoadVector256(src + 2 * srcStride),
            Avx.LoadVector256(src + 3 * srcStride), Avx.LoadVector256(src + 4 * srcStride), Avx.LoadVector256(src + 5 * srcStride),
            Avx.LoadVector256(src + 6 * srcStride), Avx.LoadVector256(src + 7 * srcStride), dst, dstStride);

    /// <summary>Writes the 8 x 8 block whose rows are r0..r7 transposed: dst[j * dstStride + i] = r_i[j].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Transpose8x8(Vector256<float> r0, Vector256<float> r1, Vector256<float> r2, Vector256<float> r3,
        Vector256<float> r4, Vector256<float> r5, Vector256<float> r6, Vector256<float> r7, float* dst, nint dstStride)
    {
        // Pairs of rows interleaved, then quadruples, then the 128-bit halves exchanged.
        var t0 = Avx.UnpackLow(r0, r1);
        var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3);
        var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5);
        var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7);
        var t7 = Avx.UnpackHigh(r6, r7);
        var s0 = Avx.Shuffle(t0, t2, 0x44);
        var s1 = Avx.Shuffle(t0, t2, 0xEE);
        var s2 = Avx.Shuffle(t1, t3, 0x44);
        var s3 = Avx.Shuffle(t1, t3, 0xEE);
        var s4 = Avx.Shuffle(t4, t6, 0x44);
        var s5 = Avx.Shuffle(t4, t6, 0xEE);
        var s6 = Avx.Shuffle(t5, t7, 0x44);
        var s7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Store(dst, Avx.Permute2x128(s0, s4, 0x20));
        Avx.Store(dst + dstStride, Avx.Permute2x128(s1, s5, 0x20));
        Avx.Store(dst + 2 * dstStride, Avx.Permute2x128(s2, s6, 0x20));
        Avx.Store(dst + 3 * dstStride, Avx.Permute2x128(s3, s7, 0x20));
        Avx.Store(dst + 4 * dstStride, Avx.Permute2x128(s0, s4, 0x31));
        Avx.Store(dst + 5 * dstStride, Avx.Permute2x128(s1, s5, 0x31));
        Avx.Store(dst + 6 * dstStride, Avx.Permute2x128(s2, s6, 0x31));
        Avx.Store(dst + 7 * dstStride, Avx.Permute2x128(s3, s7, 0x31));
    }
}
