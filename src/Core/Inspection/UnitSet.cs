namespace MlNetConv.Inspection;

/// <summary>
/// The units of one node that a unit of a later node reads: every combination of <see cref="Channels"/>,
/// <see cref="Rows"/> and <see cref="Columns"/> (null: all of that axis). Rows and columns outside the map (padding)
/// are left out.
/// </summary>
/// <param name="Node">index of the node read, or <see cref="NetworkInspector.NetworkInput"/></param>
public sealed record UnitSet(int Node, int[]? Channels, int[]? Rows, int[]? Columns)
{
    /// <summary>Every unit of the node.</summary>
    public static UnitSet All(int node) => new(node, null, null, null);

    /// <summary>The same position in the node read (element-wise layers).</summary>
    public static UnitSet Same(int node, Unit unit) => new(node, [unit.Channel], [unit.Y], [unit.X]);

    /// <summary>How many units the set holds in a node of <paramref name="channels"/> x <paramref name="height"/> x <paramref name="width"/>.</summary>
    public long Count(int channels, int height, int width) =>
        (long)(Channels?.Length ?? channels) * (Rows?.Length ?? height) * (Columns?.Length ?? width);

    public bool Contains(Unit u) =>
        (Channels is null || Channels.Contains(u.Channel)) && (Rows is null || Rows.Contains(u.Y)) && (Columns is null || Columns.Contains(u.X));
}
