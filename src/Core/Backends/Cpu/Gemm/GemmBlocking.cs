using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MlNetConv.Backends.Cpu.Gemm;

/// <summary>The instruction set a GEMM micro-kernel is written for.</summary>
internal enum GemmIsa
{
    Scalar,
    /// <summary>128-bit vectors: x86 SSE (FMA where the machine has it), ARM64 AdvSimd.</summary>
    Vector128,
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
    /// <summary>The variable that caps the micro-kernel's width for the whole process: scalar, vector128, vector256 or vector512.</summary>
    public const string IsaVariable = "MLNETCONV_CPU_ISA";

    /// <summary>
    /// The fastest micro-kernel this machine runs, or a narrower one that <see cref="IsaVariable"/> names (benchmarks of
    /// the fallbacks; a wider one than the hardware runs is not taken).
    /// </summary>
    public static GemmIsa BestIsa { get; } = Cap(HardwareIsa, Environment.GetEnvironmentVariable(IsaVariable));

    /// <summary>The widest micro-kernel the hardware runs.</summary>
    public static GemmIsa HardwareIsa =>
        Vector512.IsHardwareAccelerated ? GemmIsa.Vector512
        : Vector256.IsHardwareAccelerated && Fma.IsSupported ? GemmIsa.Vector256
        : Vector128.IsHardwareAccelerated ? GemmIsa.Vector128
        : GemmIsa.Scalar;

    /// <summary>The narrower of <paramref name="hardware"/> and the ISA <paramref name="requested"/> names (null or empty: no cap).</summary>
    /// <exception cref="ArgumentException">an unknown name</exception>
    public static GemmIsa Cap(GemmIsa hardware, string? requested)
    {
        if (string.IsNullOrEmpty(requested)) return hardware;
        if (!Enum.TryParse<GemmIsa>(requested, ignoreCase: true, out var cap) || !Enum.IsDefined(cap) || int.TryParse(requested, out _))
            throw new ArgumentException($"{IsaVariable}={requested}: expected scalar, vector128, vector256 or vector512.");
        return (GemmIsa)Math.Min((int)hardware, (int)cap);
    }

    public static GemmBlocking For(GemmIsa isa) => isa switch
    {
        // 8 x 32: 16 zmm accumulators, 2 B vectors and one broadcast per k (19 of 32 registers).
        GemmIsa.Vector512 => new(isa, MR: 8, NR: 32, KC: 256, MC: 96, NC: 2048),
        // 6 x 16: 12 ymm accumulators, 2 B vectors and one broadcast (15 of 16 registers).
        GemmIsa.Vector256 => new(isa, MR: 6, NR: 16, KC: 256, MC: 96, NC: 2048),
        // 6 x 8: 12 xmm accumulators, 2 B vectors and one broadcast (15 of x86's 16 registers; ARM64 has 32).
        GemmIsa.Vector128 => new(isa, MR: 6, NR: 8, KC: 256, MC: 96, NC: 2048),
        _ => new(isa, MR: 4, NR: 4, KC: 256, MC: 64, NC: 2048),
    };
}
