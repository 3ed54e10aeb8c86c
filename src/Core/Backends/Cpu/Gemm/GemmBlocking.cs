using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MlNetConv.Backends.Cpu.Gemm;

/// <summary>The instruction set a GEMM micro-kernel is written for.</summary>
internal enum GemmIsa
{
    Scalar,
    Vector256,
    Vector512,
}

/// <summary>
/// Tile and block sizes of the packed GEMM for one micro-kernel. A micro-tile of C is MR x NR and lives in registers for a
/// whole KC slice of K; an MC x KC block of A is packed per work item (L2), B is packed once per call in NR-wide panels.
/// </summary>
/// <param name="MR">rows of the micro-tile (values of A broadcast per k)</param>
/// <param name="NR">columns of the micro-tile (a multiple of the vector width)</param>
/// <param name="KC">depth of one packed slice: the C tile is loaded and stored once per slice; KC x NR of B stays near L1</param>
/// <param name="MC">rows of the A block packed by one work item</param>
/// <param name="NC">most columns one work item computes, so its slice of packed B stays in the shared cache</param>
internal readonly record struct GemmBlocking(GemmIsa Isa, int MR, int NR, int KC, int MC, int NC)
{
    /// <summary>The fastest micro-kernel this machine runs.</summary>
    public static GemmIsa BestIsa { get; } =
        Vector512.IsHardwareAccelerated ? GemmIsa.Vector512
        : Vector256.IsHardwareAccelerated && Fma.IsSupported ? GemmIsa.Vector256
        : GemmIsa.Scalar;

    public static GemmBlocking For(GemmIsa isa) => isa switch
    {
        // 8 x 32: 16 zmm accumulators, 2 B vectors and one broadcast per k (19 of 32 registers).
        GemmIsa.Vector512 => new(isa, MR: 8, NR: 32, KC: 256, MC: 96, NC: 2048),
        // 6 x 16: 12 ymm accumulators, 2 B vectors and one broadcast (15 of 16 registers).
        GemmIsa.Vector256 => new(isa, MR: 6, NR: 16, KC: 256, MC: 96, NC: 2048),
        _ => new(isa, MR: 4, NR: 4, KC: 256, MC: 64, NC: 2048),
    };
}
