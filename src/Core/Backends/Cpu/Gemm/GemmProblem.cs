namespace MlNetConv.Backends.Cpu.Gemm;

/// <summary>
/// One call C (M x N) = alpha * op(A) (M x K) * op(B) (K x N) + beta * C on pinned row-major memory.
/// op(A)[i, p] = A[i * lda + p], or A[p * lda + i] when TransposeA; op(B)[p, j] = B[p * ldb + j], or B[j * ldb + p]
/// when TransposeB; C[i, j] = C[i * ldc + j].
/// </summary>
internal readonly unsafe struct GemmProblem(
    bool transposeA, bool transposeB, int m, int n, int k, float alpha,
    float* a, int lda, float* b, int ldb, float beta, float* c, int ldc)
{
    public bool TransposeA { get; } = transposeA;
    public bool TransposeB { get; } = transposeB;
    public int M { get; } = m;
    public int N { get; } = n;
    public int K { get; } = k;
    public float Alpha { get; } = alpha;
    public float* A { get; } = a;
    public nint Lda { get; } = lda;
    public float* B { get; } = b;
    public nint Ldb { get; } = ldb;
    public float Beta { get; } = beta;
    public float* C { get; } = c;
    public nint Ldc { get; } = ldc;

    /// <summary>Multiply-adds of the product.</summary>
    public long Macs => (long)M * N * K;

    /// <summary>The same product restricted to columns [j0, j0 + n) of op(B) and C.</summary>
    public GemmProblem Columns(int j0, int n) => new(TransposeA, TransposeB, M, n, K, Alpha, A, (int)Lda,
        TransposeB ? B + j0 * Ldb : B + j0, (int)Ldb, Beta, C + j0, (int)Ldc);
}
