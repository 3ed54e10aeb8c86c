using System.Runtime.InteropServices;

namespace MlNetConv.Gpu.Cuda;

/// <summary>The few cuBLAS entry points the backend uses (column-major, as cuBLAS defines them). Status 0 is success.</summary>
internal static class CuBlasNative
{
    public const string Library = "cublas";

    public const int OpN = 0, OpT = 1;
    public const int DefaultMath = 0, Tf32TensorOpMath = 3;
    public const int DataTypeR32F = 0;
    public const int Compute32F = 68, Compute32FFastTf32 = 77;
    public const int GemmDefault = -1;

    static CuBlasNative() => NativeLibrary.SetDllImportResolver(typeof(CuBlasNative).Assembly, CudaLibraries.ResolveCublas);

    /// <summary>Forces the static constructor (and so the resolver) before the first call.</summary>
    public static void EnsureResolver() { }

    [DllImport(Library, EntryPoint = "cublasCreate_v2")]
    public static extern int Create(out IntPtr handle);

    [DllImport(Library, EntryPoint = "cublasDestroy_v2")]
    public static extern int Destroy(IntPtr handle);

    [DllImport(Library, EntryPoint = "cublasSetStream_v2")]
    public static extern int SetStream(IntPtr handle, IntPtr stream);

    [DllImport(Library, EntryPoint = "cublasSetMathMode")]
    public static extern int SetMathMode(IntPtr handle, int mode);

    [DllImport(Library, EntryPoint = "cublasGetVersion_v2")]
    public static extern int GetVersion(IntPtr handle, out int version);

    [DllImport(Library, EntryPoint = "cublasSgemm_v2")]
    public static extern int Sgemm(IntPtr handle, int transa, int transb, int m, int n, int k,
        in float alpha, IntPtr a, int lda, IntPtr b, int ldb, in float beta, IntPtr c, int ldc);

    [DllImport(Library, EntryPoint = "cublasGemmStridedBatchedEx")]
    public static extern int GemmStridedBatchedEx(IntPtr handle, int transa, int transb, int m, int n, int k,
        in float alpha, IntPtr a, int aType, int lda, long strideA, IntPtr b, int bType, int ldb, long strideB,
        in float beta, IntPtr c, int cType, int ldc, long strideC, int batchCount, int computeType, int algo);
}
