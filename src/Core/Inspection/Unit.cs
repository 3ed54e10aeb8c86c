namespace MlNetConv.Inspection;

/// <summary>One value of a node's output for one sample: channel (feature of a vector), row and column (0 where the output has none).</summary>
public readonly record struct Unit(int Channel, int Y, int X)
{
    public override string ToString() => $"({Channel}, {Y}, {X})";
}
