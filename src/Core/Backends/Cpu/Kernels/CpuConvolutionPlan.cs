using System.Runtime.CompilerServices;
using MlNetConv.Backends.Cpu.Gemm;
using MlNetConv.Geometry;
using MlNetConv.Tensors;

namespace MlNetConv.Backends.Cpu.Kernels;

/// <summary>How the CPU backend computes a convolution.</summary>
internal enum CpuConvolutionPath
{
    /// <summary>1x1 kernel, stride 1, no padding: the input planes already are the GEMM operand.</summary>
    Pointwise,

    /// <summary>Any other kernel: im2col columns of the input, then GEMM (col2im for the input gradient).</summary>
    Im2Col,
}

/// <summary>Which operand of the forward GEMM holds the output positions.</summary>
internal enum CpuForwardLayout
{
    /// <summary>Y (Cout/g x P) = W · col: output channels are the GEMM's rows, positions its columns.</summary>
    ChannelRows,

    /// <summary>
    /// Yᵀ (P x Cout/g) = colᵀ · Wᵀ, then transposed into place: positions are the rows. Chosen where few positions would
    /// leave much of the wide column tiles empty (ResNet's 7x7 and 14x14 maps: 49 positions fill 64 columns, 56 rows).
    /// </summary>
    PositionRows,

    /// <summary>
    /// Y = W · col with col never built (implicit GEMM): over a zero-padded copy of the input split by the stride into
    /// phase planes (<see cref="CpuConvolutionPlan.PhasePlane"/>), row (c, tap) of col at output position p is the value
    /// at p + offset(c, tap) when positions are counted in a phase plane, so the micro-kernel reads its B rows in place.
    /// A phase plane's extra columns are computed and dropped; chosen where they are few and im2col is dear (ResNet's stem:
    /// 3 of every 115 columns of its phase planes; its 64-channel 56x56 layers: 2 of every 58; LeNet-5's first layer).
    /// </summary>
    PaddedInput,

    /// <summary>
    /// Winograd's F(2x2, 3x3) for 3x3 stride-1 2D layers (<see cref="CpuWinograd"/>): 16 GEMMs over transformed tiles, 2.25
    /// times fewer multiply-adds. Not the same bits as the other layouts (within a few roundings of them); chosen where
    /// its runs of tiles fill the columns well and the channels make the transforms cheap beside the products.
    /// </summary>
    Winograd,
}

/// <summary>One kernel tap: its offsets and the output columns [ValidStart, ValidEnd) whose input column lies inside the row.</summary>
internal readonly record struct ConvTap(int Kd, int Kh, int Kw, int ValidStart, int ValidEnd);

/// <summary>
/// The one place that chooses how the CPU backend runs a convolution geometry, and how its work is cut: per group the
/// layer is the GEMM Y (Cout/g x P) = W (Cout/g x Rows) · col (Rows x P), Rows = Cin/g · kernel volume, P = output
/// positions. Columns are processed in chunks of <see cref="ColumnChunk"/> so that a chunk of col stays in L2.
/// Computed once per geometry.
/// </summary>
internal sealed class CpuConvolutionPlan
{
    /// <summary>Floats of im2col columns per chunk (256 KB): a chunk stays in a 1 MB L2 next to the GEMM's other operands.</summary>
    private const int ColumnBudget = 64 * 1024;

    /// <summary>Most output channels per group for which the weight gradient is taken as dot products.</summary>
    private const int DirectWeightMaxChannels = 16;

    /// <summary>Most output channels per group for which <see cref="CpuForwardLayout.PaddedInput"/> is chosen.</summary>
    private const int PaddedMaxChannels = 64;

    /// <summary>Fewest input and output channels per group for which <see cref="CpuForwardLayout.Winograd"/> is chosen.</summary>
    private const int WinogradMinChannels = 16;

    /// <summary>Least share of Winograd's GEMM columns that must be output tiles for it to be chosen.</summary>
    private const double WinogradMinColumnUse = 0.75;

    /// <summary>Column chunks are multiples of this (the widest GEMM micro-tile), unless the output is smaller.</summary>
    internal const int ColumnAlign = 32;

    private static readonly ConditionalWeakTable<ConvGeometry, CpuConvolutionPlan> Cache = new();

    private CpuConvolutionPlan(ConvGeometry g)
    {
        Geometry = g;
        _inputGradientPlan = new Lazy<CpuConvolutionPlan?>(() => CreateInputGradientPlan(g));
        GroupIn = g.InChannels / g.Groups;
        GroupOut = g.OutChannels / g.Groups;
        KernelVolume = g.KernelVolume;
        Rows = GroupIn * KernelVolume;
        InPlane = g.Input.Volume;
        OutPlane = g.Output.Volume;
        bool pointwise = g.Kernel == Int3.One && g.Stride == Int3.One && g.PadBegin == default && g.PadEnd == default;
        Path = pointwise ? CpuConvolutionPath.Pointwise : CpuConvolutionPath.Im2Col;
        ColumnChunk = ColumnsFor(Rows);
        // The padded input split by the stride into interleaved phase planes: padded (d, h, w) lies in phase
        // (d % sD, h % sH, w % sW) at (d / sD, h / sH, w / sW), so each tap reads one phase plane at unit stride.
        var (sd, sh, sw) = g.Stride;
        var padded = new Int3(g.Input.D + g.PadBegin.D + g.PadEnd.D, g.Input.H + g.PadBegin.H + g.PadEnd.H, g.Input.W + g.PadBegin.W + g.PadEnd.W);
        PhasePlane = new Int3(CeilDiv(padded.D, sd), CeilDiv(padded.H, sh), CeilDiv(padded.W, sw));
        PaddedChannel = checked(sd * sh * sw * PhasePlane.Volume);
        var o = g.Output;
        PaddedSpan = ((o.D - 1) * PhasePlane.H + o.H - 1) * PhasePlane.W + o.W;
        PaddedOffsets = new int[Rows];
        for (int c = 0, r = 0; c < GroupIn; c++)
        for (int kd = 0; kd < g.Kernel.D; kd++)
        for (int kh = 0; kh < g.Kernel.H; kh++)
        for (int kw = 0; kw < g.Kernel.W; kw++, r++)
        {
            int td = kd * g.Dilation.D, th = kh * g.Dilation.H, tw = kw * g.Dilation.W;
            int phase = ((td % sd) * sh + th % sh) * sw + tw % sw;
            PaddedOffsets[r] = c * PaddedChannel + phase * PhasePlane.Volume + ((td / sd) * PhasePlane.H + th / sh) * PhasePlane.W + tw / sw;
        }
        Taps = new ConvTap[KernelVolume];
        for (int kd = 0, t = 0; kd < g.Kernel.D; kd++)
        for (int kh = 0; kh < g.Kernel.H; kh++)
        for (int kw = 0; kw < g.Kernel.W; kw++, t++)
        {
            // Output columns ow with ow * stride - pad + kw * dilation inside [0, inW).
            int offset = kw * g.Dilation.W - g.PadBegin.W;
            int start = Math.Max(0, CeilDiv(-offset, g.Stride.W));
            int end = Math.Min(g.Output.W, CeilDiv(g.Input.W - offset, g.Stride.W));
            Taps[t] = new ConvTap(kd, kh, kw, start, Math.Max(start, end));
        }
    }

    public static CpuConvolutionPlan For(ConvGeometry g) => Cache.GetValue(g, geometry => new CpuConvolutionPlan(geometry));

    /// <summary>
    /// The input gradient of a 2D 3x3 stride-1 layer written as a forward convolution, for Winograd: dX (Cin planes) =
    /// dY (Cout planes) correlated with the weights transposed per group and turned by 180°, over dY padded by 2 - p on
    /// each side. Null where the layer is not of that kind (its padding uneven or wider than 2).
    /// </summary>
    public CpuConvolutionPlan? InputGradientPlan => _inputGradientPlan.Value;

    private readonly Lazy<CpuConvolutionPlan?> _inputGradientPlan;

    private static CpuConvolutionPlan? CreateInputGradientPlan(ConvGeometry g)
    {
        if (!CpuWinograd.Fits(g) || g.PadBegin != g.PadEnd || g.PadBegin.H > 2 || g.PadBegin.W > 2) return null;
        var transposed = ConvGeometry.Create(new Shape(1, g.OutChannels, g.Output.H, g.Output.W), g.InChannels, [3, 3], [1, 1], [1, 1],
            Padding.Explicit(2 - g.PadBegin.H, 2 - g.PadBegin.W), g.Groups, null, "the input gradient");
        return For(transposed);
    }

    public ConvGeometry Geometry { get; }
    public CpuConvolutionPath Path { get; }

    /// <summary>
    /// A connection table (LeNet-5's C3): its weights are spread into a dense (Cout, Cin, kernel) matrix with zeros for
    /// the pairs that are not connected, and the layer runs as an ordinary convolution (groups = 1 with a table).
    /// </summary>
    public bool ExpandsTable => Geometry.Table is not null;

    public int GroupIn { get; }
    public int GroupOut { get; }
    public int KernelVolume { get; }

    /// <summary>Rows of col per group: Cin/g · kernel volume, the K of the forward GEMM.</summary>
    public int Rows { get; }

    public int InPlane { get; }
    public int OutPlane { get; }
    public ConvTap[] Taps { get; }

    /// <summary>
    /// Extents of one phase plane of the <see cref="CpuForwardLayout.PaddedInput"/> layout: the input with its padding,
    /// split by the stride into sD · sH · sW interleaved planes (one, the padded input itself, at stride 1).
    /// Output positions are counted in these planes.
    /// </summary>
    public Int3 PhasePlane { get; }

    /// <summary>Floats of one channel's phase planes (one per combination of the strides' remainders).</summary>
    public int PaddedChannel { get; }

    /// <summary>Positions, counted in a phase plane, from the first output to the last.</summary>
    public int PaddedSpan { get; }

    /// <summary>Per row (c, tap) of col: where it reads in the group's phase planes relative to the output position.</summary>
    public int[] PaddedOffsets { get; }

    /// <summary>
    /// Whether the weight gradient is taken as dot products over the padded input rather than im2col and GEMM: with the
    /// Vector512 kernels, for stride 1, with at most <see cref="DirectWeightMaxChannels"/> output channels per group
    /// (LeNet-5's layers, where building col costs more than the product it feeds), and no more than a third of the
    /// positions summed dropped.
    /// </summary>
    public bool DirectWeightGradient(GemmIsa isa) => Supports(CpuForwardLayout.PaddedInput, isa) && Geometry.Stride == Int3.One
        && GroupOut <= DirectWeightMaxChannels && (long)PaddedSpan * 2 <= (long)OutPlane * 3;

    /// <summary>Output positions per chunk when all <see cref="Rows"/> rows of col are built.</summary>
    public int ColumnChunk { get; }

    /// <summary>Output positions per chunk when <paramref name="rows"/> rows of col are built in <paramref name="budgets"/> column budgets.</summary>
    public int ColumnsFor(int rows, int budgets = 1)
    {
        int columns = budgets * ColumnBudget / Math.Max(1, rows) / ColumnAlign * ColumnAlign;
        return Math.Min(OutPlane, Math.Max(ColumnAlign, columns));
    }

    /// <summary>
    /// The forward layout for <paramref name="isa"/>'s micro-tile and a batch of <paramref name="batch"/>: Winograd where
    /// allowed and its runs of tiles fill the columns; else positions as rows when that saves at least a sixteenth of the
    /// padded multiply-adds (the transposition into place costs a little); else col read in place where that pays; else
    /// im2col.
    /// </summary>
    public CpuForwardLayout ForwardLayout(GemmIsa isa, int batch, bool winograd = true)
    {
        if (winograd && Supports(CpuForwardLayout.Winograd, isa) && GroupIn >= WinogradMinChannels && GroupOut >= WinogradMinChannels
            && CpuWinograd.ColumnUse(Geometry, batch) >= WinogradMinColumnUse)
            return CpuForwardLayout.Winograd;
        var blk = GemmBlocking.For(isa);
        long channelRows = (long)RoundUp(GroupOut, blk.MR) * RoundUp(OutPlane, blk.NR);
        long positionRows = (long)RoundUp(OutPlane, blk.MR) * RoundUp(GroupOut, blk.NR);
        if (positionRows * 16 <= channelRows * 15) return CpuForwardLayout.PositionRows;
        // Reading col in place pays where im2col is dear, each value of col serving at most 64 multiply-adds (measured:
        // ahead on ResNet's stem and 64-channel layers, behind from 128 channels on, where the in-place rows' unaligned
        // loads cost more than building col), and when at most a quarter of the positions computed are dropped.
        bool padded = Supports(CpuForwardLayout.PaddedInput, isa) && GroupOut <= PaddedMaxChannels && (long)PaddedSpan * 4 <= (long)OutPlane * 5;
        return padded ? CpuForwardLayout.PaddedInput : CpuForwardLayout.ChannelRows;
    }

    /// <summary>
    /// Whether <paramref name="layout"/> can compute this geometry: reading col in place needs a geometry that im2col
    /// would expand (not a plain 1x1) and the Vector512 micro-kernel, Winograd a 2D 3x3 stride-1 layer and AVX-512; the
    /// others take any geometry.
    /// </summary>
    public bool Supports(CpuForwardLayout layout, GemmIsa isa) => layout switch
    {
        CpuForwardLayout.PaddedInput => isa == GemmIsa.Vector512 && Path == CpuConvolutionPath.Im2Col,
        CpuForwardLayout.Winograd => CpuWinograd.Supports(Geometry, isa),
        _ => true,
    };

    /// <summary>
    /// Output channels per work item of the forward pass: all of a group's, unless samples x groups x column chunks
    /// (<paramref name="items"/>) leave threads idle, as batch 1 does at the deep layers; then blocks of a multiple of
    /// <paramref name="align"/> rows (the packed weight panels).
    /// </summary>
    public int ForwardChannelBlock(int items, int align)
    {
        int block = BlockSize(GroupOut, items);
        return Math.Min(GroupOut, (block + align - 1) / align * align);
    }

    /// <summary>
    /// Input channels per work item of the input gradient, whose col2im must not share input planes across threads: all
    /// of a group's channels unless samples x groups leave threads idle.
    /// </summary>
    public int DataChannelBlock(int batch) => BlockSize(GroupIn, batch * Geometry.Groups);

    /// <summary>
    /// Sample chunks of the weight gradient: each sums its samples in order into its own partial gradient and the
    /// partials are added in chunk order, so the result depends on the core count, never on thread timing.
    /// </summary>
    public static int WeightSampleChunks(int batch) => Math.Clamp(Environment.ProcessorCount, 1, Math.Max(1, batch));

    /// <summary>Input channels per work item of the weight gradient (all of a group's unless threads would idle).</summary>
    public int WeightChannelBlock(int batch) => BlockSize(GroupIn, WeightSampleChunks(batch) * Geometry.Groups);

    /// <summary>Channels per block so that items x blocks keep every core busy (two items per core).</summary>
    private static int BlockSize(int channels, int items)
    {
        int wanted = 2 * Environment.ProcessorCount;
        if (items >= wanted) return channels;
        int blocks = Math.Min(channels, (wanted + items - 1) / items);
        return (channels + blocks - 1) / blocks;
    }

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;

    private static int CeilDiv(int a, int b) => a >= 0 ? (a + b - 1) / b : -(-a / b);
}

/// <summary>
/// Output positions [0, Total) cut into <see cref="Count"/> chunks of whole 32-wide column tiles, as even as whole tiles
/// allow. When the other work items are few (a batch of one), the count is rounded up to a multiple of the cores, so
/// that no core waits long for another's last chunk.
/// </summary>
internal readonly record struct ColumnChunks(int Total, int Count, int Tiles)
{
    /// <param name="maxWidth">the widest chunk wanted</param>
    /// <param name="otherItems">work items per chunk from the other cuts (samples, groups)</param>
    public static ColumnChunks For(int total, int maxWidth, int otherItems)
    {
        const int tile = CpuConvolutionPlan.ColumnAlign;
        int tiles = (total + tile - 1) / tile, widest = Math.Max(1, maxWidth / tile), count = (tiles + widest - 1) / widest;
        int threads = Environment.ProcessorCount;
        if (otherItems * count < 4 * threads) count = Math.Min(tiles, (count + threads - 1) / threads * threads);
        return new ColumnChunks(total, Math.Max(1, count), tiles);
    }

    public int Start(int chunk) => Math.Min(Total, (int)((long)chunk * Tiles / Count) * CpuConvolutionPlan.ColumnAlign);

    public int Width(int chunk) => Math.Min(Total, (int)((long)(chunk + 1) * Tiles / Count) * CpuConvolutionPlan.ColumnAlign) - Start(chunk);
}
