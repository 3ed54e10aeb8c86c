using MlNetConv.Tensors;

namespace MlNetConv.Geometry;

/// <summary>
/// A pooling window over 1..3 spatial dimensions: kernel, stride, padding, dilation and ceil mode, resolved against
/// one input extent. Global pooling is a window as large as the input.
/// </summary>
public sealed class PoolGeometry
{
    private PoolGeometry() { }

    public int SpatialRank { get; private init; }
    public int Channels { get; private init; }
    public Int3 Input { get; private init; }
    public Int3 Output { get; private init; }
    public Int3 Kernel { get; private init; }
    public Int3 Stride { get; private init; }
    public Int3 Dilation { get; private init; }
    public Int3 PadBegin { get; private init; }
    public bool CeilMode { get; private init; }

    /// <summary>Average pooling divides by the whole window including padding (PyTorch's default) or only by the taps inside the input.</summary>
    public bool CountIncludePad { get; private init; }

    public Shape OutputShape(int batch) => new([batch, Channels, .. Output.ToArray(SpatialRank)]);

    /// <param name="input">(N, C, spatial...)</param>
    public static PoolGeometry Create(Shape input, int[] kernel, int[] stride, int[] padding, int[] dilation, bool ceilMode,
        bool countIncludePad, string layer)
    {
        int rank = kernel.Length;
        if (input.Rank != rank + 2)
            throw new ArgumentException($"{layer}: expected input of rank {rank + 2} (N, C, {ConvGeometry.SpatialNames(rank)}), got shape {input}.");
        ConvGeometry.CheckPositive(kernel, "kernel_size", layer);
        ConvGeometry.CheckPositive(stride, "stride", layer);
        ConvGeometry.CheckPositive(dilation, "dilation", layer);
        if (stride.Length != rank || padding.Length != rank || dilation.Length != rank)
            throw new ArgumentException($"{layer}: kernel, stride, padding and dilation need {rank} values each.");
        for (int i = 0; i < rank; i++)
            if (padding[i] < 0 || padding[i] > kernel[i] / 2)
                throw new ArgumentException($"{layer}: padding must be between 0 and half the kernel size, got padding {padding[i]} for kernel {kernel[i]}.");

        var inExtent = Int3.FromSpatial(input.Skip(2).ToArray());
        var k = Int3.FromSpatial(kernel);
        var s = Int3.FromSpatial(stride);
        var d = Int3.FromSpatial(dilation);
        var p = Int3.FromSpatial(padding, fill: 0);
        var output = new Int3(
            OutputSize.Compute(inExtent.D, k.D, s.D, p.D, p.D, d.D, ceilMode),
            OutputSize.Compute(inExtent.H, k.H, s.H, p.H, p.H, d.H, ceilMode),
            OutputSize.Compute(inExtent.W, k.W, s.W, p.W, p.W, d.W, ceilMode));
        if (output.Volume <= 0)
            throw new ArgumentException($"{layer}: input {input} is too small for pooling window {string.Join("x", kernel)}: the output would be empty.");
        return new PoolGeometry
        {
            SpatialRank = rank, Channels = input.C, Input = inExtent, Output = output, Kernel = k, Stride = s,
            Dilation = d, PadBegin = p, CeilMode = ceilMode, CountIncludePad = countIncludePad,
        };
    }

    /// <summary>A window covering the whole input (global pooling).</summary>
    public static PoolGeometry Global(Shape input, string layer)
    {
        if (input.Rank < 3) throw new ArgumentException($"{layer}: global pooling needs spatial dimensions, got shape {input}.");
        var spatial = input.Skip(2).ToArray();
        var ones = Enumerable.Repeat(1, spatial.Length).ToArray();
        return Create(input, spatial, ones, new int[spatial.Length], ones, false, true, layer);
    }
}
