using MlNetConv.Tensors;

namespace MlNetConv.Geometry;

/// <summary>
/// A pooling window over 1..3 spatial dimensions: kernel, stride, padding (begin and end apart), dilation and ceil mode,
/// resolved against one input extent. Global pooling is a window as large as the input. Windows start at
/// o·s - padBegin; taps in the padding are skipped (max, Lp) or counted as zeros (average with count_include_pad).
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
    public Int3 PadEnd { get; private init; }
    public bool CeilMode { get; private init; }

    /// <summary>The input extent one window spans, d(k-1) + 1 along every dimension.</summary>
    public Int3 WindowExtent => OutputSize.WindowExtent(Kernel, Dilation);

    /// <summary>
    /// Average pooling divides by the window clipped to the padded input, [-padBegin, in + padEnd) along every dimension
    /// (PyTorch's default; ONNX's count_include_pad = 1, as onnxruntime computes it), or only by the taps inside the input.
    /// </summary>
    public bool CountIncludePad { get; private init; }

    public Shape OutputShape(int batch) => new([batch, Channels, .. Output.ToArray(SpatialRank)]);

    public Shape InputShape(int batch) => new([batch, Channels, .. Input.ToArray(SpatialRank)]);

    /// <summary>
    /// The one check of a pooling kernel's arguments, made on entry by every backend: the unpooled tensor is this
    /// geometry's input for its batch size, the pooled one (and the indices) hold its output (global pooling's layer
    /// keeps it as (N, C)).
    /// </summary>
    /// <param name="operation">what was called, for the message</param>
    /// <param name="unpooled">(N, C, spatial...): the forward input, or the gradient of it</param>
    /// <param name="pooled">(N, C, outSpatial...) or (N, C) for one window: the forward output, or the gradient of it</param>
    /// <param name="indices">the argmax tensor of max pooling, shaped as <paramref name="pooled"/>; null for the others</param>
    /// <exception cref="ArgumentException">a shape differs from the geometry's</exception>
    public void CheckArguments(string operation, Shape unpooled, Shape pooled, Shape? indices = null)
    {
        int n = unpooled.Rank == SpatialRank + 2 ? unpooled.N : 0;
        var output = OutputShape(n);
        bool pooledFits = pooled == output || Output.Volume == 1 && pooled == new Shape(n, Channels);
        if (unpooled != InputShape(n) || !pooledFits || indices is { } i && i != pooled)
            throw new ArgumentException($"Pooling {operation}: got {unpooled} and {pooled}{(indices is { } given ? $" with indices {given}" : "")}; "
                + $"the geometry needs {InputShape(n)} and {output}.");
    }

    /// <param name="input">(N, C, spatial...)</param>
    /// <param name="padding">symmetric explicit padding may be at most half the kernel (PyTorch's limit); begin and end
    /// given apart, or same padding, must each be smaller than the kernel (ONNX's limit)</param>
    public static PoolGeometry Create(Shape input, int[] kernel, int[] stride, Padding padding, int[] dilation, bool ceilMode,
        bool countIncludePad, string layer)
    {
        int rank = kernel.Length;
        if (input.Rank != rank + 2)
            throw new ArgumentException($"{layer}: expected input of rank {rank + 2} (N, C, {ConvGeometry.SpatialNames(rank)}), got shape {input}.");
        ConvGeometry.CheckPositive(kernel, "kernel_size", layer);
        ConvGeometry.CheckPositive(stride, "stride", layer);
        ConvGeometry.CheckPositive(dilation, "dilation", layer);
        if (stride.Length != rank || dilation.Length != rank)
            throw new ArgumentException($"{layer}: kernel, stride and dilation need {rank} values each.");

        var inExtent = Int3.FromSpatial(input.Skip(2).ToArray());
        var k = Int3.FromSpatial(kernel);
        var s = Int3.FromSpatial(stride);
        var d = Int3.FromSpatial(dilation);
        var (begin, end) = padding.Resolve(rank, inExtent, k, s, d, layer);
        int[] kernels = k.ToArray(rank), begins = begin.ToArray(rank), ends = end.ToArray(rank);
        for (int i = 0; i < rank; i++)
        {
            if (padding.IsSymmetric && begins[i] > kernels[i] / 2)
                throw new ArgumentException($"{layer}: padding must be between 0 and half the kernel size, got padding {begins[i]} for kernel {kernels[i]}.");
            if (begins[i] >= kernels[i] || ends[i] >= kernels[i])
                throw new ArgumentException($"{layer}: padding must be smaller than the kernel, got padding ({begins[i]}, {ends[i]}) for kernel {kernels[i]}.");
        }
        var output = new Int3(
            OutputSize.Compute(inExtent.D, k.D, s.D, begin.D, end.D, d.D, ceilMode),
            OutputSize.Compute(inExtent.H, k.H, s.H, begin.H, end.H, d.H, ceilMode),
            OutputSize.Compute(inExtent.W, k.W, s.W, begin.W, end.W, d.W, ceilMode));
        if (output.Volume <= 0)
            throw new ArgumentException($"{layer}: input {input} is too small for pooling window {string.Join("x", kernel)}: the output would be empty.");
        return new PoolGeometry
        {
            SpatialRank = rank, Channels = input.C, Input = inExtent, Output = output, Kernel = k, Stride = s,
            Dilation = d, PadBegin = begin, PadEnd = end, CeilMode = ceilMode, CountIncludePad = countIncludePad,
        };
    }

    /// <summary>A window covering the whole input (global pooling).</summary>
    public static PoolGeometry Global(Shape input, string layer)
    {
        if (input.Rank < 3) throw new ArgumentException($"{layer}: global pooling needs spatial dimensions, got shape {input}.");
        var spatial = input.Skip(2).ToArray();
        var ones = Enumerable.Repeat(1, spatial.Length).ToArray();
        return Create(input, spatial, ones, Padding.Valid, ones, false, true, layer);
    }
}
