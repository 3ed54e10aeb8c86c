namespace MlNetConv.Plots;

/// <summary>The shape drawn at each point of a line series.</summary>
public enum Marker
{
    Circle,
    Square,
    Triangle,
    Diamond,
    TriangleDown,
    Cross,
    Plus,
}
