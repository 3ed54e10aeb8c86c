using MlNetConv.Geometry;

namespace MlNetConv.Layers;

/// <summary>
/// What the summary reports for one layer: connections as LeNet's paper counts them (every multiply-accumulate
/// plus one per bias, per output), multiply-accumulates, and the window (extent after dilation, stride) that
/// widens the receptive field.
/// </summary>
public readonly record struct LayerStats(long Connections, long MultiplyAccumulates, Int3 WindowExtent, Int3 WindowStride)
{
    public static LayerStats None => new(0, 0, Int3.One, Int3.One);
    public static LayerStats PerElement(long outputs, long perOutput = 1) => new(outputs * perOutput, 0, Int3.One, Int3.One);
}
