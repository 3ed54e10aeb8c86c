namespace MlNetConv.Transforms;

/// <summary>One row of a <see cref="NeighbourGrid"/>: a query and its neighbours, nearest first.</summary>
public sealed record NeighbourGridRow(NeighbourGridCell Query, IReadOnlyList<NeighbourGridCell> Neighbours);
