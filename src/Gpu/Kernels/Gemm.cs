using ILGPU;

namespace MlNetConv.Gpu.Kernels;

/// <summary>
/// One row-major (strided batched) SGEMM: for every b &lt; Batch, C[b] (M×N) = Alpha · op(A[b]) (M×K) · op(B[b]) (K×N)
/// + Beta · C[b], where op transposes when the flag is set. A stride of 0 shares one matrix across the batch.
/// With Beta = 0, C is not read (it may hold anything).
/// </summary>
internal struct GemmParams
{
    public int M, N, K, Lda, Ldb, Ldc, TransA, TransB;
    public float Alpha, Beta;
    public long StrideA, StrideB, StrideC;

    /// <param name="transA">A is stored (K×M) when set, else (M×K)</param>
    /// <param name="transB">B is stored (N×K) when set, else (K×N)</param>
    public static GemmParams Create(bool transA, bool transB, int m, int n, int k, float alpha = 1f, float beta = 0f,
        long strideA = 0, long strideB = 0, long strideC = 0) => new()
    {
        M = m, N = n, K = k, TransA = transA ? 1 : 0, TransB = transB ? 1 : 0,
        Lda = transA ? m : k, Ldb = transB ? k : n, Ldc = n,
        Alpha = alpha, Beta = beta, StrideA = strideA, StrideB = strideB, StrideC = strideC,
    };

    public override readonly string ToString() =>
        $"{(TransA != 0 ? "T" : "N")}{(TransB != 0 ? "T" : "N")} {M}x{N}x{K}";
}

/// <summary>An SGEMM implementation on the backend's device and stream.</summary>
internal interface IGemm : IDisposable
{
    string Name { get; }

    /// <param name="a">A[0] at its start; batch b at b · StrideA</param>
    void Run(in GemmParams p, int batch, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c);
}
