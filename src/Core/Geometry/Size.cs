namespace MlNetConv.Geometry;

/// <summary>
/// A per-axis layer argument (kernel size, stride, dilation): one value for every spatial axis, as PyTorch's
/// <c>kernel_size=3</c>, or one value per axis in (D, H, W) order, W last: <c>(1, 7)</c>, <c>(3, 2, 2)</c> or an array.
/// The layer checks the count against its spatial rank when it is made.
/// </summary>
public readonly struct Size
{
    private readonly int[]? _values;

    public Size(params int[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        _values = (int[])values.Clone();
    }

    /// <summary>The values as given: one, or one per spatial axis.</summary>
    public IReadOnlyList<int> Values => _values ?? [];

    public static implicit operator Size(int value) => new(value);
    public static implicit operator Size((int, int) values) => new(values.Item1, values.Item2);
    public static implicit operator Size((int, int, int) values) => new(values.Item1, values.Item2, values.Item3);
    public static implicit operator Size(int[] values) => new(values);

    /// <summary>One value per spatial axis: the single value repeated, or the values as given when there are <paramref name="rank"/>.</summary>
    /// <param name="what">the argument's PyTorch name for the message (kernel_size, stride, dilation)</param>
    /// <param name="layer">the layer's name for the message</param>
    internal int[] ForRank(int rank, string what, string layer)
    {
        var values = _values ?? [];
        if (values.Length == 1) return Enumerable.Repeat(values[0], rank).ToArray();
        if (values.Length != rank)
            throw new ArgumentException($"{layer}: {what} needs {(rank == 1 ? "1 value" : $"1 or {rank} values")}, got {values.Length}.");
        return (int[])values.Clone();
    }

    public override string ToString() => _values is [int single] ? single.ToString() : "(" + string.Join(", ", Values) + ")";
}
