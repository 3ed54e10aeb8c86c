namespace MlNetConv.Geometry;

/// <summary>Three spatial extents (D, H, W). 1D and 2D geometry pad in front with ones, so one kernel loop serves all ranks.</summary>
public readonly record struct Int3(int D, int H, int W)
{
    public static Int3 One => new(1, 1, 1);
    public int Volume => D * H * W;

    /// <summary>Spreads the values of a per-dimension list into (D, H, W), padding with <paramref name="fill"/>.</summary>
    public static Int3 FromSpatial(IReadOnlyList<int> values, int fill = 1)
    {
        int r = values.Count;
        return new Int3(r >= 3 ? values[r - 3] : fill, r >= 2 ? values[r - 2] : fill, r >= 1 ? values[r - 1] : fill);
    }

    /// <summary>The last <paramref name="rank"/> components as an array (W last).</summary>
    public int[] ToArray(int rank) => rank switch
    {
        1 => [W],
        2 => [H, W],
        3 => [D, H, W],
        _ => throw new ArgumentOutOfRangeException(nameof(rank), $"Spatial rank must be 1..3, got {rank}."),
    };

    public override string ToString() => $"{D}x{H}x{W}";
}
