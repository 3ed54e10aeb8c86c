using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace MlNetConv.Backends.Cpu.Gemm;

/// <summary>
/// The register-blocked inner loops: C tile (MR x NR, row stride ldc) = alpha * Σ_k a[k] ⊗ b[k] + beta * C tile, with a
/// the packed A micro-panel (kc x MR, one broadcast per row) and b the packed B micro-panel (kc x NR, whole vectors).
/// beta = 0 writes the tile without reading it. The accumulators stay in registers for the whole slice: one method
/// per tile shape, written out so the JIT sees independent locals (checked in the disassembly: no spills in the k loop).
/// </summary>
internal static unsafe class GemmMicroKernels
{
    public static void Run(GemmIsa isa, int kc, float* a, float* b, float* c, nint ldc, float alpha, float beta, int rows)
    {
        switch (isa)
        {
            case GemmIsa.Vector512: Kernel8x32(kc, a, new PackedRows(b), c, ldc, alpha, beta, rows); break;
            case GemmIsa.Vector256: Kernel6x16(kc, a, b, c, ldc, alpha, beta, rows); break;
            case GemmIsa.Vector128: Kernel6x8(kc, a, b, c, ldc, alpha, beta, rows); break;
            default: Kernel4x4(kc, a, b, c, ldc, alpha, beta, rows); break;
        }
    }

    /// <summary>
    /// The 8 x 32 tile of C = alpha · A · B + beta · C with B read in place: row p of the B micro-panel is the 32 floats at
    /// b + offsets[p] (implicit GEMM, such as the taps of a convolution over a zero-padded input). The arithmetic of a
    /// packed panel, so the same bits as packing those rows first.
    /// </summary>
    /// <param name="offsets">kc offsets from b, one per depth of the slice</param>
    public static void Kernel8x32Offsets(int kc, float* a, float* b, int* offsets, float* c, nint ldc, float beta, int rows) =>
        Kernel8x32(kc, a, new OffsetRows(b, offsets), c, ldc, 1f, beta, rows);

    /// <summary>Where the micro-kernel finds row p (depth p) of its B micro-panel: 32 floats, two Vector512.</summary>
    private interface IPanelRows
    {
        float* Row(int p);
    }

    /// <summary>A packed B micro-panel: rows of 32 one after the other.</summary>
    private readonly struct PackedRows(float* b) : IPanelRows
    {
        public float* Row(int p) => b + (nint)p * 32;
    }

    /// <summary>Rows read in place, each at its own offset.</summary>
    private readonly struct OffsetRows(float* b, int* offsets) : IPanelRows
    {
        public float* Row(int p) => b + offsets[p];
    }

    /// <summary>The 8 x 32 kernel for either kind of B rows (a struct type argument, so each kind is compiled on its own, inlined).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel8x32<TRows>(int kc, float* a, TRows panel, float* c, nint ldc, float alpha, float beta, int rows) where TRows : struct, IPanelRows
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default, c50 = default, c51 = default, c60 = default, c61 = default, c70 = default, c71 = default;
        for (int p = 0; p < kc; p++)
        {
            float* b = panel.Row(p);
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            var ai = Vector512.Create(a[0]);
            c00 = Vector512.FusedMultiplyAdd(ai, b0, c00); c01 = Vector512.FusedMultiplyAdd(ai, b1, c01);
            ai = Vector512.Create(a[1]);
            c10 = Vector512.FusedMultiplyAdd(ai, b0, c10); c11 = Vector512.FusedMultiplyAdd(ai, b1, c11);
            ai = Vector512.Create(a[2]);
            c20 = Vector512.FusedMultiplyAdd(ai, b0, c20); c21 = Vector512.FusedMultiplyAdd(ai, b1, c21);
            ai = Vector512.Create(a[3]);
            c30 = Vector512.FusedMultiplyAdd(ai, b0, c30); c31 = Vector512.FusedMultiplyAdd(ai, b1, c31);
            ai = Vector512.Create(a[4]);
            c40 = Vector512.FusedMultiplyAdd(ai, b0, c40); c41 = Vector512.FusedMultiplyAdd(ai, b1, c41);
            ai = Vector512.Create(a[5]);
            c50 = Vector512.FusedMultiplyAdd(ai, b0, c50); c51 = Vector512.FusedMultiplyAdd(ai, b1, c51);
            ai = Vector512.Create(a[6]);
            c60 = Vector512.FusedMultiplyAdd(ai, b0, c60); c61 = Vector512.FusedMultiplyAdd(ai, b1, c61);
            ai = Vector512.Create(a[7]);
            c70 = Vector512.FusedMultiplyAdd(ai, b0, c70); c71 = Vector512.FusedMultiplyAdd(ai, b1, c71);
            a += 8;
        }
        var va = Vector512.Create(alpha);
        var vb = Vector512.Create(beta);
        bool read = beta != 0f;
        Update(c, c00, c01, va, vb, read);
        if (rows > 1) Update(c + ldc, c10, c11, va, vb, read);
        if (rows > 2) Update(c + 2 * ldc, c20, c21, va, vb, read);
        if (rows > 3) Update(c + 3 * ldc, c30, c31, va, vb, read);
        if (rows > 4) Update(c + 4 * ldc, c40, c41, va, vb, read);
        if (rows > 5) Update(c + 5 * ldc, c50, c51, va, vb, read);
        if (rows > 6) Update(c + 6 * ldc, c60, c61, va, vb, read);
        if (rows > 7) Update(c + 7 * ldc, c70, c71, va, vb, read);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Update(float* c, Vector512<float> acc0, Vector512<float> acc1, Vector512<float> alpha, Vector512<float> beta, bool read)
    {
        if (read)
        {
            Vector512.Store(Vector512.FusedMultiplyAdd(acc0, alpha, Vector512.Load(c) * beta), c);
            Vector512.Store(Vector512.FusedMultiplyAdd(acc1, alpha, Vector512.Load(c + 16) * beta), c + 16);
        }
        else
        {
            Vector512.Store(acc0 * alpha, c);
            Vector512.Store(acc1 * alpha, c + 16);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel6x16(int kc, float* a, float* b, float* c, nint ldc, float alpha, float beta, int rows)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 8);
            var ai = Vector256.Create(a[0]);
            c00 = Vector256.FusedMultiplyAdd(ai, b0, c00); c01 = Vector256.FusedMultiplyAdd(ai, b1, c01);
            ai = Vector256.Create(a[1]);
            c10 = Vector256.FusedMultiplyAdd(ai, b0, c10); c11 = Vector256.FusedMultiplyAdd(ai, b1, c11);
            ai = Vector256.Create(a[2]);
            c20 = Vector256.FusedMultiplyAdd(ai, b0, c20); c21 = Vector256.FusedMultiplyAdd(ai, b1, c21);
            ai = Vector256.Create(a[3]);
            c30 = Vector256.FusedMultiplyAdd(ai, b0, c30); c31 = Vector256.FusedMultiplyAdd(ai, b1, c31);
            ai = Vector256.Create(a[4]);
            c40 = Vector256.FusedMultiplyAdd(ai, b0, c40); c41 = Vector256.FusedMultiplyAdd(ai, b1, c41);
            ai = Vector256.Create(a[5]);
            c50 = Vector256.FusedMultiplyAdd(ai, b0, c50); c51 = Vector256.FusedMultiplyAdd(ai, b1, c51);
            a += 6;
            b += 16;
        }
        var va = Vector256.Create(alpha);
        var vb = Vector256.Create(beta);
        bool read = beta != 0f;
        Update(c, c00, c01, va, vb, read);
        if (rows > 1) Update(c + ldc, c10, c11, va, vb, read);
        if (rows > 2) Update(c + 2 * ldc, c20, c21, va, vb, read);
        if (rows > 3) Update(c + 3 * ldc, c30, c31, va, vb, read);
        if (rows > 4) Update(c + 4 * ldc, c40, c41, va, vb, read);
        if (rows > 5) Update(c + 5 * ldc, c50, c51, va, vb, read);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Update(float* c, Vector256<float> acc0, Vector256<float> acc1, Vector256<float> alpha, Vector256<float> beta, bool read)
    {
        if (read)
        {
            Vector256.Store(Vector256.FusedMultiplyAdd(acc0, alpha, Vector256.Load(c) * beta), c);
            Vector256.Store(Vector256.FusedMultiplyAdd(acc1, alpha, Vector256.Load(c + 8) * beta), c + 8);
        }
        else
        {
            Vector256.Store(acc0 * alpha, c);
            Vector256.Store(acc1 * alpha, c + 8);
        }
    }

    /// <summary>
    /// The 6 x 8 tile in 128-bit vectors, for machines without 256-bit FMA (x86 with SSE only, ARM64): multiply-add fused
    /// where the hardware fuses it (FMA3, AdvSimd), a multiply then an add elsewhere.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel6x8(int kc, float* a, float* b, float* c, nint ldc, float alpha, float beta, int rows)
    {
        Vector128<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector128<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector128.Load(b);
            var b1 = Vector128.Load(b + 4);
            var ai = Vector128.Create(a[0]);
            c00 = Vector128.MultiplyAddEstimate(ai, b0, c00); c01 = Vector128.MultiplyAddEstimate(ai, b1, c01);
            ai = Vector128.Create(a[1]);
            c10 = Vector128.MultiplyAddEstimate(ai, b0, c10); c11 = Vector128.MultiplyAddEstimate(ai, b1, c11);
            ai = Vector128.Create(a[2]);
            c20 = Vector128.MultiplyAddEstimate(ai, b0, c20); c21 = Vector128.MultiplyAddEstimate(ai, b1, c21);
            ai = Vector128.Create(a[3]);
            c30 = Vector128.MultiplyAddEstimate(ai, b0, c30); c31 = Vector128.MultiplyAddEstimate(ai, b1, c31);
            ai = Vector128.Create(a[4]);
            c40 = Vector128.MultiplyAddEstimate(ai, b0, c40); c41 = Vector128.MultiplyAddEstimate(ai, b1, c41);
            ai = Vector128.Create(a[5]);
            c50 = Vector128.MultiplyAddEstimate(ai, b0, c50); c51 = Vector128.MultiplyAddEstimate(ai, b1, c51);
            a += 6;
            b += 8;
        }
        var va = Vector128.Create(alpha);
        var vb = Vector128.Create(beta);
        bool read = beta != 0f;
        Update(c, c00, c01, va, vb, read);
        if (rows > 1) Update(c + ldc, c10, c11, va, vb, read);
        if (rows > 2) Update(c + 2 * ldc, c20, c21, va, vb, read);
        if (rows > 3) Update(c + 3 * ldc, c30, c31, va, vb, read);
        if (rows > 4) Update(c + 4 * ldc, c40, c41, va, vb, read);
        if (rows > 5) Update(c + 5 * ldc, c50, c51, va, vb, read);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Update(float* c, Vector128<float> acc0, Vector128<float> acc1, Vector128<float> alpha, Vector128<float> beta, bool read)
    {
        if (read)
        {
            Vector128.Store(Vector128.MultiplyAddEstimate(acc0, alpha, Vector128.Load(c) * beta), c);
            Vector128.Store(Vector128.MultiplyAddEstimate(acc1, alpha, Vector128.Load(c + 4) * beta), c + 4);
        }
        else
        {
            Vector128.Store(acc0 * alpha, c);
            Vector128.Store(acc1 * alpha, c + 4);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel4x4(int kc, float* a, float* b, float* c, nint ldc, float alpha, float beta, int rows)
    {
        const int MR = 4, NR = 4;
        float* acc = stackalloc float[MR * NR];
        new Span<float>(acc, MR * NR).Clear();
        for (int p = 0; p < kc; p++, a += MR, b += NR)
            for (int r = 0; r < MR; r++)
                for (int j = 0; j < NR; j++) acc[r * NR + j] += a[r] * b[j];
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < NR; j++)
            {
                float* target = c + r * ldc + j;
                *target = beta == 0f ? alpha * acc[r * NR + j] : alpha * acc[r * NR + j] + beta * *target;
            }
    }
}
