namespace MlNetConv.Neighbours;

/// <summary>Settings of a <see cref="NearestNeighbourIndex"/>; the defaults suit the CPU backend and a GPU without TF32.</summary>
public sealed record NearestNeighbourOptions
{
    public static NearestNeighbourOptions Default { get; } = new();

    /// <summary>
    /// The most expanded distances held at once, in floats (on the backend and on the host alike): queries are searched
    /// in blocks of this many divided by the vectors of one chunk of the index. Default 4 M (16 MB).
    /// </summary>
    public int DistanceBlockFloats { get; init; } = 4 << 20;

    /// <summary>
    /// The relative rounding the backend's matrix product applies to its inputs: 0 for float products (the CPU backend,
    /// and the GPU backend by default); 2⁻¹⁰ for a GPU backend that allows TF32. It widens the band of vectors whose
    /// distance is recomputed directly, so that the result stays exact.
    /// </summary>
    public double ProductInputRounding { get; init; }

    /// <summary>
    /// Most vectors in one chunk of the index, multiplied against a block of queries by one matrix product; the chunks
    /// are of equal size. 0 (the default) chooses as many as fit 4 M floats, the largest operand the CPU backend keeps
    /// packed between products.
    /// </summary>
    public int ChunkVectors { get; init; }

    /// <summary>The host kernels' vector width; tests run each.</summary>
    internal NeighbourIsa Isa { get; init; } = NeighbourIsas.Best;

    internal void Validate()
    {
        if (DistanceBlockFloats < 1)
            throw new ArgumentOutOfRangeException(nameof(DistanceBlockFloats), DistanceBlockFloats, "NearestNeighbourOptions.DistanceBlockFloats must be at least 1.");
        if (!(ProductInputRounding >= 0 && ProductInputRounding < 0.5))
            throw new ArgumentOutOfRangeException(nameof(ProductInputRounding), ProductInputRounding, "NearestNeighbourOptions.ProductInputRounding is a relative rounding in [0, 0.5): 0 for float products, 2⁻¹⁰ for TF32.");
        if (ChunkVectors < 0) throw new ArgumentOutOfRangeException(nameof(ChunkVectors), ChunkVectors, "NearestNeighbourOptions.ChunkVectors must be 0 (chosen from the dimension) or more.");
    }
}
