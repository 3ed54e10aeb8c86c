namespace MlNetConv.Geometry;

/// <summary>
/// The channels local response normalisation sums for channel c: <see cref="Size"/> channels from c - <see cref="Before"/>
/// to c + Size - 1 - Before, clipped to [0, C). Odd windows are centred; an even one leans one way: PyTorch's (and the
/// AlexNet paper's) takes Size/2 channels before c, ONNX's (Caffe's) ⌊(Size - 1)/2⌋ before and ⌈(Size - 1)/2⌉ after.
/// The one home of the window's bounds, forward and backward, on every backend.
/// </summary>
public readonly record struct ChannelWindow(int Size, int Before)
{
    /// <summary>PyTorch's window: Size/2 channels before c.</summary>
    public static ChannelWindow PyTorch(int size) => new(size, size / 2);

    /// <summary>ONNX's window: ⌊(size - 1)/2⌋ channels before c.</summary>
    public static ChannelWindow Onnx(int size) => new(size, (size - 1) / 2);

    /// <summary>Channels after c in the window.</summary>
    public int After => Size - 1 - Before;

    /// <summary>The first channel summed for channel <paramref name="c"/>.</summary>
    public int First(int c) => Math.Max(0, c - Before);

    /// <summary>The last channel summed for channel <paramref name="c"/> of <paramref name="channels"/>.</summary>
    public int Last(int c, int channels) => Math.Min(channels - 1, c + After);

    /// <summary>The first channel whose window holds channel <paramref name="c"/> (what backward gathers).</summary>
    public int FirstReader(int c) => Math.Max(0, c - After);

    /// <summary>The last channel whose window holds channel <paramref name="c"/>.</summary>
    public int LastReader(int c, int channels) => Math.Min(channels - 1, c + Before);

    public override string ToString() => $"{Size} channels, {Before} before";
}
