using ILGPU;
using ILGPU.Runtime.Cuda;
using MlNetConv.Gpu.Kernels;

namespace MlNetConv.Gpu.Cuda;

/// <summary>
/// SGEMM through cuBLAS on the accelerator's own stream and device pointers. cuBLAS is column-major: a row-major
/// C = op(A)·op(B) is the column-major Cᵀ = op(B)ᵀ·op(A)ᵀ, so A and B trade places and M and N swap.
/// </summary>
internal sealed class CuBlasGemm : IGemm
{
    private readonly CudaAccelerator _accelerator;
    private readonly Lock _gate = new();
    private IntPtr _handle;
    private readonly int _computeType;

    private CuBlasGemm(CudaAccelerator accelerator, IntPtr handle, bool allowTf32, int version)
    {
        _accelerator = accelerator;
        _handle = handle;
        _computeType = allowTf32 ? CuBlasNative.Compute32FFastTf32 : CuBlasNative.Compute32F;
        Name = $"cuBLAS {version / 10000}.{version / 100 % 100}.{version % 100}{(allowTf32 ? " (TF32 allowed)" : "")}";
    }

    public string Name { get; }

    /// <summary>cuBLAS bound to the accelerator's stream, or null with the reason when the library cannot be loaded.</summary>
    public static (CuBlasGemm? Gemm, string? Reason) TryCreate(CudaAccelerator accelerator, bool allowTf32)
    {
        try
        {
            CuBlasNative.EnsureResolver();
            accelerator.Bind();
            Check(CuBlasNative.Create(out var handle), "cublasCreate");
            var stream = ((CudaStream)accelerator.DefaultStream).StreamPtr;
            Check(CuBlasNative.SetStream(handle, stream), "cublasSetStream");
            Check(CuBlasNative.SetMathMode(handle, allowTf32 ? CuBlasNative.Tf32TensorOpMath : CuBlasNative.DefaultMath), "cublasSetMathMode");
            CuBlasNative.GetVersion(handle, out int version);
            return (new CuBlasGemm(accelerator, handle, allowTf32, version), null);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or InvalidOperationException)
        {
            return (null, e.Message);
        }
    }

    public void Run(in GemmParams p, int batch, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c)
    {
        if (p.M == 0 || p.N == 0 || batch == 0) return;
        lock (_gate) RunLocked(p, batch, a, b, c);
    }

    // A cuBLAS handle must not be used by two threads at once.
    private void RunLocked(in GemmParams p, int batch, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c)
    {
        _accelerator.Bind();
        IntPtr aPtr = Pointer(a), bPtr = Pointer(b), cPtr = Pointer(c);
        int opA = p.TransB != 0 ? CuBlasNative.OpT : CuBlasNative.OpN, opB = p.TransA != 0 ? CuBlasNative.OpT : CuBlasNative.OpN;
        if (batch == 1 && _computeType == CuBlasNative.Compute32F)
            Check(CuBlasNative.Sgemm(_handle, opA, opB, p.N, p.M, p.K, p.Alpha, bPtr, p.Ldb, aPtr, p.Lda, p.Beta, cPtr, p.Ldc), $"cublasSgemm {p}");
        else
            Check(CuBlasNative.GemmStridedBatchedEx(_handle, opA, opB, p.N, p.M, p.K, p.Alpha,
                bPtr, CuBlasNative.DataTypeR32F, p.Ldb, p.StrideB, aPtr, CuBlasNative.DataTypeR32F, p.Lda, p.StrideA,
                p.Beta, cPtr, CuBlasNative.DataTypeR32F, p.Ldc, p.StrideC, batch, _computeType, CuBlasNative.GemmDefault), $"cublasGemmStridedBatchedEx {p} x{batch}");
    }

    /// <summary>The device address of a view's first element.</summary>
    private static IntPtr Pointer(ArrayView<float> view) => ((IArrayView)view).Buffer.NativePtr + (nint)((IContiguousArrayView)view).IndexInBytes;

    private static void Check(int status, string call)
    {
        if (status != 0) throw new InvalidOperationException($"{call} failed with cuBLAS status {status}.");
    }

    public void Dispose()
    {
        if (_handle == IntPtr.Zero) return;
        _accelerator.Bind();
        CuBlasNative.Destroy(_handle);
        _handle = IntPtr.Zero;
    }
}
