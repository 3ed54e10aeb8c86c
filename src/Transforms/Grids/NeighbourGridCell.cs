using MlNetConv.Plots;

namespace MlNetConv.Transforms;

/// <summary>One cell of a <see cref="NeighbourGrid"/>: an image with its label and distance written under it (either may be left out).</summary>
public sealed record NeighbourGridCell(GridImage Image, string? Label = null, float? Distance = null);
