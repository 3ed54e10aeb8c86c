using System.Numerics;
using System.Runtime.Intrinsics;

namespace MlNetConv.Neighbours;

/// <summary>The vector width the neighbour search's host kernels run at; tests run every one the machine has.</summary>
internal enum NeighbourIsa
{
    /// <summary>One float at a time.</summary>
    Scalar,

    /// <summary><see cref="Vector{T}"/>: 256 bits on x64 with AVX2, 128 on Arm and older x64.</summary>
    Vector,

    /// <summary><see cref="Vector512{T}"/>, where the machine has AVX-512.</summary>
    Vector512,
}

internal static class NeighbourIsas
{
    /// <summary>The widest this machine runs.</summary>
    public static NeighbourIsa Best { get; } =
        Vector512.IsHardwareAccelerated ? NeighbourIsa.Vector512
        : Vector.IsHardwareAccelerated ? NeighbourIsa.Vector
        : NeighbourIsa.Scalar;

    /// <summary>Every width this machine runs, the scalar one first.</summary>
    public static IReadOnlyList<NeighbourIsa> Available { get; } =
        [.. new[] { NeighbourIsa.Scalar, NeighbourIsa.Vector, NeighbourIsa.Vector512 }.Where(isa => isa <= Best)];
}
