using MlNetConv.Geometry;

namespace MlNetConv.Layers;

/// <summary>
/// What the summary reports for one layer: connections as LeNet's paper counts them (every multiply-accumulate
/// plus one per bias, per output), multiply-accumulates, and the window (extent after dilation, stride) that
/// widens the receptive field. Layers that upsample (transposed convolution, upsampling, unpooling) also give the
/// factor by which the grid their window slides over is finer than their input's.
/// </summary>
public readonly record struct LayerStats(long Connections, long MultiplyAccumulates, Int3 WindowExtent, Int3 WindowStride)
{
    private readonly Int3 _upsampling;

    /// <summary>Output steps per input step before the window applies (the stride of a transposed convolution); 1 for every other layer.</summary>
    public Int3 Upsampling
    {
        get => _upsampling == default ? Int3.One : _upsampling;
        init => _upsampling = value;
    }

    public static LayerStats None => new(0, 0, Int3.One, Int3.One);
    public static LayerStats PerElement(long outputs, long perOutput = 1) => new(outputs * perOutput, 0, Int3.One, Int3.One);
}
