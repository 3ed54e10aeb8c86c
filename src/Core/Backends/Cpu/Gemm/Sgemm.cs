namespace MlNetConv.Backends.Cpu.Gemm;

/// <summary>
/// Single-precision matrix multiply on the CPU, row-major (cblas_sgemm with CblasRowMajor):
/// C (m x n) = alpha * op(A) (m x k) * op(B) (k x n) + beta * C. Packed operands, a Vector512 register-blocked micro-kernel
/// (Vector256 and scalar fallbacks), threads over blocks of C. Deterministic: the same call gives the same bits whatever
/// the thread timing. beta = 0 overwrites C without reading it (NaN in C does not propagate), as in BLAS.
/// </summary>
public static class Sgemm
{
    /// <param name="transposeA">op(A) = Aᵀ: A is stored (k x m) with leading dimension lda ≥ m; else (m x k), lda ≥ k</param>
    /// <param name="transposeB">op(B) = Bᵀ: B is stored (n x k) with ldb ≥ k; else (k x n), ldb ≥ n</param>
    /// <param name="c">(m x n) with leading dimension ldc ≥ n</param>
    public static void Multiply(bool transposeA, bool transposeB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc) =>
        Multiply(transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, GemmBlocking.BestIsa, parallel: true);

    /// <summary>The same with a chosen micro-kernel and threading (tests run every instruction set the machine has).</summary>
    internal static unsafe void Multiply(bool transposeA, bool transposeB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc, GemmIsa isa, bool parallel)
    {
        if (m < 0 || n < 0 || k < 0) throw new ArgumentException($"Sgemm: m, n and k must be >= 0, got m={m}, n={n}, k={k}.");
        CheckOperand("A", a.Length, transposeA ? k : m, transposeA ? m : k, lda);
        CheckOperand("B", b.Length, transposeB ? n : k, transposeB ? k : n, ldb);
        CheckOperand("C", c.Length, m, n, ldc);
        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
            GemmDriver.Run(new GemmProblem(transposeA, transposeB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc), isa, parallel);
    }

    /// <summary>The kernels' entry: pinned operands, checked by the caller.</summary>
    /// <param name="parallel">false inside work items that are already spread over the cores</param>
    /// <param name="packedA">
    /// null, or op(A) packed once by <see cref="PackA"/> for the same isa, possibly entered at a later panel (then a and
    /// lda are not read; rows of the last panel past m may hold anything: they are computed and dropped)
    /// </param>
    /// <param name="packedB">
    /// null, or op(B) written in panels of <see cref="PackedBColumns"/> columns, each k x PackedBColumns with the values
    /// of one depth together and columns past n zero (then b and ldb are not read)
    /// </param>
    internal static unsafe void Multiply(GemmIsa isa, bool transposeA, bool transposeB, int m, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc, bool parallel, float* packedA = null, float* packedB = null) =>
        GemmDriver.Run(new GemmProblem(transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc), isa, parallel, packedA, packedB);

    /// <summary>Columns per packed B panel of the micro-kernel.</summary>
    internal static int PackedBColumns(GemmIsa isa) => GemmBlocking.For(isa).NR;

    /// <summary>Floats needed to pack an m x k op(A) with <see cref="PackA"/>.</summary>
    internal static int PackedALength(GemmIsa isa, int m, int k) => GemmDriver.PackedALength(m, k, isa);

    /// <summary>Rows per packed A panel: a pre-packed operand can be entered at multiples of this row.</summary>
    internal static int PackedARowAlignment(GemmIsa isa) => GemmBlocking.For(isa).MR;

    /// <summary>Packs op(A) (m x k) once, for calls that share it: panel i holds rows [i·MR, +MR), k x MR floats each.</summary>
    internal static unsafe void PackA(GemmIsa isa, bool transposeA, float* a, int lda, int m, int k, float* packedA) =>
        GemmDriver.PackA(transposeA, a, lda, m, k, isa, packedA);

    /// <summary>Floats needed to pack a k x n op(B) with <see cref="PackB"/>.</summary>
    internal static int PackedBLength(GemmIsa isa, int k, int n) => GemmDriver.PackedBLength(k, n, isa);

    /// <summary>Packs op(B) (k x n) once, for calls that share it: panel j holds columns [j·NR, +NR), k x NR floats each.</summary>
    internal static unsafe void PackB(GemmIsa isa, bool transposeB, float* b, int ldb, int k, int n, float* packedB) =>
        GemmDriver.PackB(transposeB, b, ldb, k, n, isa, packedB);

    private static void CheckOperand(string name, int length, int rows, int cols, int ld)
    {
        if (ld < Math.Max(1, cols))
            throw new ArgumentException($"Sgemm: the leading dimension of {name} must be >= {Math.Max(1, cols)} (its stored row length), got {ld}.");
        long needed = rows == 0 || cols == 0 ? 0 : (long)(rows - 1) * ld + cols;
        if (length < needed)
            throw new ArgumentException($"Sgemm: {name} stored as ({rows} x {cols}) with leading dimension {ld} needs {needed} elements, got {length}.");
    }
}
