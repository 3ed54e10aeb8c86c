using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using MlNetConv.Backends.Cpu.Gemm;
using MlNetConv.Geometry;

namespace MlNetConv.Backends.Cpu.Kernels;

/// <summary>
/// Winograd's minimal filtering F(2x2, 3x3) (Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks", 2016)
/// for 2D 3x3 convolutions of stride 1: each 2x2 output tile is Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A over the 4x4 input patch d
/// it reads, so the sum over input channels becomes 16 independent GEMMs M_ξ (Cout/g x tiles) = U_ξ (Cout/g x Cin/g) ·
/// V_ξ (Cin/g x tiles), one per point ξ of the 4x4 transform: 16 multiply-adds per tile and channel pair where direct
/// convolution takes 36, 2.25 times fewer. The transforms use only ±1 and ½ (exact in float), so the results stay
/// within a few roundings of direct convolution's, though not bit-identical to them.
/// <para>
/// Tiles are taken in runs of 8 along a tile row (of 4 where rows have at most 4 tiles); runs are numbered across rows
/// and samples, and a Vector512 of 16 tiles (a chunk: both transforms run in its lanes) holds two or four of them, a
/// 32-column panel of the 8x32 micro-kernel two chunks. So a 14x14 map's 7-tile rows use 7 of every 8 columns, as a
/// 56x56 map's 28-tile rows do, and a 7x7 map's 4-tile rows all of them. A work item (group, span of
/// panels, block of output channels) copies the input rows its tiles read, zero-padded, transforms them into V (which
/// stays in L2), then for every 8 output channels runs the micro-kernel once per point into a 16 x 8 x 32 tile of M (in
/// L1) and transforms that back into 2x2 outputs, adding the bias and the fused epilogue while they are in cache. The
/// weights' U is packed once while they do not change (<see cref="CpuPackedWeights"/>). Every output is computed by the
/// same operations in the same order whatever the thread timing.
/// </para>
/// <para>
/// Training takes the same transforms: the input gradient is this forward pass over dY with the weights transposed and
/// turned by 180° (<see cref="CpuConvolutionPlan.InputGradientPlan"/>), and the weight gradient sums dM_ξ · V_ξᵀ over
/// blocks of tiles (<see cref="WeightGradient"/>).
/// </para>
/// </summary>
internal static unsafe class CpuWinograd
{
    /// <summary>Points of the 4x4 transform: one GEMM each.</summary>
    private const int Points = 16;

    /// <summary>Tiles of a chunk: one Vector512 of tiles, two or four runs.</summary>
    private const int ChunkTiles = 16;

    /// <summary>Columns of a GEMM panel (the 8x32 micro-kernel's): two chunks.</summary>
    private const int PanelColumns = 32;

    private const int MR = 8;

    /// <summary>Floats of V a work item aims to keep (256 KB, in L2 beside the weights' panels).</summary>
    private const int TransformBudget = 64 * 1024;

    /// <summary>Whether F(2x2, 3x3) fits this geometry: 2D, a 3x3 kernel, stride and dilation 1 (any padding, groups or connection table).</summary>
    public static bool Fits(ConvGeometry g) => g.SpatialRank == 2 && g.Kernel == new Int3(1, 3, 3) && g.Stride == Int3.One && g.Dilation == Int3.One;

    /// <summary>
    /// Whether this backend computes the geometry by F(2x2, 3x3): it fits, with the Vector512 micro-kernel and AVX-512's
    /// two-source permutes for the tile transforms.
    /// </summary>
    public static bool Supports(ConvGeometry g, GemmIsa isa) => isa == GemmIsa.Vector512 && Avx512F.IsSupported && Fits(g);

    /// <summary>
    /// Tiles along a column and a row of the output, tiles per run (8, or 4 for rows of at most 4 tiles), runs per tile
    /// row and per sample, floats per padded input row.
    /// </summary>
    private readonly record struct Tiling(int TilesH, int TilesW, int Run, int RunsPerRow, int RunsPerSample, int RowWidth)
    {
        public static Tiling For(ConvGeometry g)
        {
            int tilesH = (g.Output.H + 1) / 2, tilesW = (g.Output.W + 1) / 2, run = tilesW <= 4 ? 4 : 8, perRow = (tilesW + run - 1) / run;
            // A padded row holds every run's input columns (2 per tile and 2 more) and the 16-float loads that read them
            // (from column 2 · run · r and two further on).
            return new Tiling(tilesH, tilesW, run, perRow, tilesH * perRow, Math.Max(2 * run * perRow + 2, 2 * run * (perRow - 1) + 18));
        }

        public int RunsPerChunk => ChunkTiles / Run;

        public int RunsPerPanel => PanelColumns / Run;

        public int Panels(int batch) => (batch * RunsPerSample + RunsPerPanel - 1) / RunsPerPanel;

        /// <summary>Where run r's columns start in its tile row: 2 input or output columns per tile.</summary>
        public int Column(int run) => 2 * Run * (run % RunsPerRow);
    }

    /// <summary>
    /// Of the GEMM columns a batch computes, the share that are output tiles: ResNet's 56x56 and 28x28 layers 7/8, its
    /// 14x14 layers 7/8 at large batches (49 of 64 at batch 1), its 7x7 layers all from batch 2 on (half at batch 1).
    /// </summary>
    public static double ColumnUse(ConvGeometry g, int batch)
    {
        var t = Tiling.For(g);
        return (double)batch * t.TilesH * t.TilesW / ((long)t.Panels(Math.Max(1, batch)) * PanelColumns);
    }

    /// <summary>Floats of one group's packed U: 16 (GroupOut x GroupIn) matrices in the micro-kernel's A panels.</summary>
    public static int PackedGroupLength(GemmIsa isa, CpuConvolutionPlan plan) => Points * Sgemm.PackedALength(isa, plan.GroupOut, plan.GroupIn);

    /// <summary>U_ξ = (G g Gᵀ)_ξ for every (output, input) channel pair of one group, packed per point as the GEMMs' A.</summary>
    /// <param name="weight">the group's (GroupOut, GroupIn · 9) weights</param>
    public static void PackWeights(GemmIsa isa, CpuConvolutionPlan plan, float* weight, float* packed)
    {
        int k = plan.GroupOut, c = plan.GroupIn, per = Sgemm.PackedALength(isa, k, c);
        var u = CpuScratch.Rent(Points * k * c);
        try
        {
            double* t = stackalloc double[12];
            for (int o = 0; o < k; o++)
            for (int i = 0; i < c; i++)
            {
                float* w = weight + ((nint)o * c + i) * 9;
                // t = G w (4x3), G = [1 0 0; ½ ½ ½; ½ -½ ½; 0 0 1]; then U = t Gᵀ (4x4). In double, rounded once.
                for (int j = 0; j < 3; j++)
                {
                    double w0 = w[j], w1 = w[3 + j], w2 = w[6 + j];
                    t[j] = w0;
                    t[3 + j] = 0.5 * (w0 + w1 + w2);
                    t[6 + j] = 0.5 * (w0 - w1 + w2);
                    t[9 + j] = w2;
                }
                for (int r = 0; r < 4; r++)
                {
                    double t0 = t[3 * r], t1 = t[3 * r + 1], t2 = t[3 * r + 2];
                    float* target = u.Pointer + ((nint)(4 * r) * k + o) * c + i;
                    target[0] = (float)t0;
                    target[(nint)k * c] = (float)(0.5 * (t0 + t1 + t2));
                    target[2 * (nint)k * c] = (float)(0.5 * (t0 - t1 + t2));
                    target[3 * (nint)k * c] = (float)t2;
                }
            }
            for (int xi = 0; xi < Points; xi++) Sgemm.PackA(isa, false, u.Pointer + (nint)xi * k * c, c, k, c, packed + (nint)xi * per);
        }
        finally
        {
            CpuScratch.Return(u);
        }
    }

    /// <summary>The forward pass over a batch: work items of (group, span of column panels, block of output channels).</summary>
    /// <param name="x">(N, Cin, H, W)</param>
    /// <param name="packed">every group's U from <see cref="PackWeights"/>, <paramref name="packedLength"/> floats apart</param>
    /// <param name="y">(N, Cout, Ho, Wo)</param>
    public static void Forward(CpuConvolutionPlan plan, int batch, float* x, float* packed, int packedLength, float* b, CpuEpilogue epilogue, float* y)
    {
        var g = plan.Geometry;
        var t = Tiling.For(g);
        int threads = Environment.ProcessorCount, panels = t.Panels(batch);
        int perItem = Math.Clamp(TransformBudget / (Points * PanelColumns * plan.GroupIn), 1, panels);
        // Fewer items than four per core (a small batch): narrower spans of panels, then blocks of output channels.
        if (g.Groups * ((panels + perItem - 1) / perItem) < 4 * threads) perItem = Math.Clamp(g.Groups * panels / (4 * threads), 1, perItem);
        int spans = (panels + perItem - 1) / perItem;
        int block = plan.ForwardChannelBlock(g.Groups * spans, MR), blocks = (plan.GroupOut + block - 1) / block;
        nint xp = (nint)x, pp = (nint)packed, bp = (nint)b, yp = (nint)y;
        CpuParallel.For(g.Groups * spans * blocks, item =>
        {
            int channels = item % blocks, span = item / blocks % spans, group = item / blocks / spans;
            int o0 = channels * block, p0 = span * perItem;
            Item(plan, t, batch, (float*)xp, (float*)pp + (nint)group * packedLength, (float*)bp, epilogue, (float*)yp, group, p0,
                Math.Min(panels, p0 + perItem), o0, Math.Min(block, plan.GroupOut - o0));
        });
    }

    /// <summary>
    /// Column panels [p0, p1) of one group (runs [RunsPerPanel · p0, RunsPerPanel · p1) of the batch), output channels
    /// [o0, o0 + count) of the group.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Item(CpuConvolutionPlan plan, Tiling t, int batch, float* x, float* packed, float* b, CpuEpilogue epilogue, float* y, int group,
        int p0, int p1, int o0, int count)
    {
        var g = plan.Geometry;
        int c = plan.GroupIn, r0 = t.RunsPerPanel * p0, r1 = Math.Min(batch * t.RunsPerSample, t.RunsPerPanel * p1);
        var v = CpuScratch.Rent(checked((p1 - p0) * Points * c * PanelColumns));
        var m = CpuScratch.Rent(Points * MR * PanelColumns);
        try
        {
            // V: per panel [point][channel][32 columns], a chunk in each half.
            TransformRuns(plan, t, x, group, 0, c, r0, r1, 2 * (p1 - p0), v.Pointer, 2, (nint)Points * c * PanelColumns, PanelColumns, (nint)c * PanelColumns);
            int channel0 = group * plan.GroupOut + o0, kc = GemmBlocking.For(GemmIsa.Vector512).KC, perPoint = Sgemm.PackedALength(GemmIsa.Vector512, plan.GroupOut, c);
            var outputs = stackalloc ChunkOutputs[2];
            for (int p = p0; p < p1; p++)
            {
                float* vp = v.Pointer + (nint)(p - p0) * Points * c * PanelColumns;
                for (int half = 0; half < 2; half++) outputs[half] = new ChunkOutputs(t, g, t.RunsPerPanel * p + t.RunsPerChunk * half, r1);
                for (int ip = 0; ip < count; ip += MR)
                {
                    int panelRows = Math.Min(MR, count - ip);
                    for (int xi = 0; xi < Points; xi++)
                    {
                        float* a = packed + (nint)xi * perPoint + (nint)(o0 + ip) * c;
                        for (int pc = 0; pc < c; pc += kc)
                            GemmMicroKernels.Run(GemmIsa.Vector512, Math.Min(kc, c - pc), a + (nint)pc * MR, vp + ((nint)xi * c + pc) * PanelColumns,
                                m.Pointer + xi * MR * PanelColumns, PanelColumns, 1f, pc == 0 ? 0f : 1f, panelRows);
                    }
                    for (int half = 0; half < 2 && outputs[half].Count > 0; half++)
                        for (int r = 0; r < panelRows; r++)
                        {
                            int channel = channel0 + ip + r;
                            TransformOutput(m.Pointer + r * PanelColumns + half * ChunkTiles, b is null ? 0f : b[channel], t.Run, ref outputs[half],
                                y + (nint)channel * plan.OutPlane, g.Output.W, epilogue, channel);
                        }
                }
            }
        }
        finally
        {
            CpuScratch.Return(m);
            CpuScratch.Return(v);
        }
    }

    /// <summary>
    /// V = Bᵀ d B of input channels [c0, c0 + channels) of one group for runs [r0, r1) of the batch, and zero for the runs
    /// after them up to chunks · RunsPerChunk: chunk k (16 tiles) goes to target + (k / perPanel) · panelStride + (k %
    /// perPanel) · 16, channel i at + i · channelStride, point ξ at + ξ · pointStride. The input rows the runs read are
    /// copied once per tile row, zero-padded (four rows of every channel a tile row).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TransformRuns(CpuConvolutionPlan plan, Tiling t, float* x, int group, int c0, int channels, int r0, int r1, int chunks,
        float* target, int perPanel, nint panelStride, nint channelStride, nint pointStride)
    {
        var g = plan.Geometry;
        int width = t.RowWidth, firstRow = r0 / t.RunsPerRow, slots = (r1 - 1) / t.RunsPerRow - firstRow + 1, slotLength = 4 * width * channels;
        // One slot per tile row the runs lie in (global tile rows: sample · TilesH + ty), then four zero rows for missing runs.
        var padded = CpuScratch.Rent(checked(slots * slotLength + 4 * width + 16));
        try
        {
            float* zero = padded.Pointer + (nint)slots * slotLength;
            new Span<float>(zero, 4 * width + 16).Clear();
            for (int slot = 0; slot < slots; slot++)
            {
                int row = firstRow + slot, sample = row / t.TilesH, ty = row % t.TilesH;
                float* xs = x + ((nint)sample * g.InChannels + group * plan.GroupIn + c0) * plan.InPlane;
                for (int i = 0; i < channels; i++)
                    PadRows(g, xs + (nint)i * plan.InPlane, 2 * ty, width, padded.Pointer + (nint)slot * slotLength + (nint)i * 4 * width);
            }
            TransformChunks<InputTransform>(t, new ChunkRuns(t, zero), r0, r1, chunks, padded.Pointer, firstRow, slotLength, 4 * width, width, channels,
                target, perPanel, panelStride, channelStride, pointStride);
        }
        finally
        {
            CpuScratch.Return(padded);
        }
    }

    /// <summary>
    /// A transform of one chunk of one channel from its runs' rows (16 tiles in Vector512 lanes) to its 16 points, each
    /// at target + ξ · stride.
    /// </summary>
    private interface IChunkTransform
    {
        static abstract void Apply<TRuns>(TRuns runs, int width, float* target, nint stride) where TRuns : struct, IChunkLoads;
    }

    private readonly struct InputTransform : IChunkTransform
    {
        public static void Apply<TRuns>(TRuns runs, int width, float* target, nint stride) where TRuns : struct, IChunkLoads =>
            TransformInput(runs, width, target, stride);
    }

    private readonly struct GradientTransform : IChunkTransform
    {
        public static void Apply<TRuns>(TRuns runs, int width, float* target, nint stride) where TRuns : struct, IChunkLoads =>
            TransformGradient(runs, width, target, stride);
    }

    /// <summary>
    /// <typeparamref name="TTransform"/> of every chunk of runs [r0, r1) and every channel, the runs read from slots of
    /// tile rows (channel i at + i · channelLength within a slot); chunks past r1 zero. Chunk k goes to target + (k /
    /// perPanel) · panelStride + (k % perPanel) · 16, channel i at + i · channelStride, point ξ at + ξ · pointStride.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TransformChunks<TTransform>(Tiling t, ChunkRuns runs, int r0, int r1, int chunks, float* slots, int firstRow, int slotLength,
        int channelLength, int width, int channels, float* target, int perPanel, nint panelStride, nint channelStride, nint pointStride)
        where TTransform : struct, IChunkTransform
    {
        for (int k = 0; k < chunks; k++)
        {
            float* chunk = target + k / perPanel * panelStride + k % perPanel * ChunkTiles;
            if (!runs.Locate(r0 + k * t.RunsPerChunk, r1, slots, firstRow, slotLength, channelLength))
            {
                for (int xi = 0; xi < Points; xi++)
                for (int i = 0; i < channels; i++) Vector512<float>.Zero.Store(chunk + xi * pointStride + i * channelStride);
                continue;
            }
            if (t.Run == 8)
                for (int i = 0; i < channels; i++) TTransform.Apply(runs.Two(i), width, chunk + i * channelStride, pointStride);
            else
                for (int i = 0; i < channels; i++) TTransform.Apply(runs.Four(i), width, chunk + i * channelStride, pointStride);
        }
    }

    /// <summary>
    /// Where the runs of one chunk start in a buffer of per-tile-row slots, for any channel: a run past the last reads
    /// <paramref name="zero"/> (four zero rows) whatever the channel.
    /// </summary>
    private unsafe struct ChunkRuns(Tiling t, float* zero)
    {
        private fixed long _start[4];
        private fixed long _stride[4];

        /// <summary>The chunk whose first run is <paramref name="first"/>; false when it holds no run below <paramref name="end"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool Locate(int first, int end, float* slots, int firstRow, int slotLength, int channelLength)
        {
            if (first >= end) return false;
            for (int r = 0; r < t.RunsPerChunk; r++)
            {
                int run = first + r;
                bool inside = run < end;
                _start[r] = inside ? (long)(slots + (nint)(run / t.RunsPerRow - firstRow) * slotLength + t.Column(run)) : (long)zero;
                _stride[r] = inside ? channelLength : 0;
            }
            return true;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly TwoRuns Two(int channel) => new((float*)(_start[0] + _stride[0] * channel * sizeof(float)),
            (float*)(_start[1] + _stride[1] * channel * sizeof(float)));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly FourRuns Four(int channel) => new((float*)(_start[0] + _stride[0] * channel * sizeof(float)),
            (float*)(_start[1] + _stride[1] * channel * sizeof(float)), (float*)(_start[2] + _stride[2] * channel * sizeof(float)),
            (float*)(_start[3] + _stride[3] * channel * sizeof(float)));
    }

    /// <summary>Floats of V and of the output gradient's transform a weight-gradient block aims to keep (512 KB, in L2).</summary>
    private const int GradientBudget = 128 * 1024;

    /// <summary>
    /// The weight gradient of input channels [c0, c0 + channels) of one group over samples [s0, s1), written (not added)
    /// into the group's rows of <paramref name="partial"/> ((GroupOut, GroupIn · 9)): with dM = A dY Aᵀ the gradient of
    /// each tile's 4x4 products (A = [1 0; 1 1; 1 -1; 0 -1]; zero past the output's edges), dU_ξ = Σ over tiles of
    /// dM_ξ · V_ξᵀ, 16 GEMMs over blocks of tiles, and dW = Gᵀ dU G per channel pair: 2.25 times fewer multiply-adds than
    /// dY · colᵀ. Samples and blocks of tiles in order, so the same bits at every run.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void WeightGradient(GemmIsa isa, CpuConvolutionPlan plan, float* x, float* dy, int s0, int s1, int group, int c0, int channels, float* partial)
    {
        var t = Tiling.For(plan.Geometry);
        int k = plan.GroupOut;
        int tilesPerBlock = Math.Clamp(GradientBudget / (Points * (k + channels)) / ChunkTiles * ChunkTiles, ChunkTiles, 512);
        int runsPerBlock = tilesPerBlock / t.Run, chunks = tilesPerBlock / ChunkTiles;
        var v = CpuScratch.Rent(Points * channels * tilesPerBlock);
        var dm = CpuScratch.Rent(Points * k * tilesPerBlock);
        var du = CpuScratch.Rent(Points * k * channels);
        try
        {
            float beta = 0f;
            for (int r0 = s0 * t.RunsPerSample, end = s1 * t.RunsPerSample; r0 < end; r0 += runsPerBlock)
            {
                int r1 = Math.Min(end, r0 + runsPerBlock);
                // V_ξ (channels x tiles) and dM_ξ (k x tiles), a chunk every 16 columns.
                TransformRuns(plan, t, x, group, c0, channels, r0, r1, chunks, v.Pointer, chunks, 0, tilesPerBlock, (nint)channels * tilesPerBlock);
                TransformGradientRuns(plan, t, dy, group, r0, r1, chunks, dm.Pointer, tilesPerBlock, (nint)k * tilesPerBlock);
                for (int xi = 0; xi < Points; xi++)
                    Sgemm.Multiply(isa, false, true, k, channels, tilesPerBlock, 1f, dm.Pointer + (nint)xi * k * tilesPerBlock, tilesPerBlock,
                        v.Pointer + (nint)xi * channels * tilesPerBlock, tilesPerBlock, beta, du.Pointer + (nint)xi * k * channels, channels, parallel: false);
                beta = 1f;
            }
            // dW = Gᵀ dU G (3x3), G = [1 0 0; ½ ½ ½; ½ -½ ½; 0 0 1]: in double, rounded once.
            double* u = stackalloc double[16];
            double* r = stackalloc double[12];
            for (int o = 0; o < k; o++)
            for (int i = 0; i < channels; i++)
            {
                for (int xi = 0; xi < Points; xi++) u[xi] = du.Pointer[((nint)xi * k + o) * channels + i];
                for (int j = 0; j < 4; j++) // r = Gᵀ dU (3x4)
                {
                    double u0 = u[j], u1 = u[4 + j], u2 = u[8 + j], u3 = u[12 + j];
                    r[j] = u0 + 0.5 * (u1 + u2);
                    r[4 + j] = 0.5 * (u1 - u2);
                    r[8 + j] = 0.5 * (u1 + u2) + u3;
                }
                float* w = partial + ((nint)group * k + o) * plan.Rows + (nint)(c0 + i) * 9;
                for (int row = 0; row < 3; row++) // dW = r G (3x3)
                {
                    double q0 = r[4 * row], q1 = r[4 * row + 1], q2 = r[4 * row + 2], q3 = r[4 * row + 3];
                    w[3 * row] = (float)(q0 + 0.5 * (q1 + q2));
                    w[3 * row + 1] = (float)(0.5 * (q1 - q2));
                    w[3 * row + 2] = (float)(0.5 * (q1 + q2) + q3);
                }
            }
        }
        finally
        {
            CpuScratch.Return(du);
            CpuScratch.Return(dm);
            CpuScratch.Return(v);
        }
    }

    /// <summary>
    /// dM = A dY Aᵀ of every output channel of one group for runs [r0, r1), zero for the runs after them up to r0 + 2 ·
    /// chunks: chunk k at target + 16k, channel o at + o · channelStride, point ξ at + ξ · pointStride. The output-gradient
    /// rows are copied once per tile row, zero past the plane's edges, so that tiles cut by an edge see zero there.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TransformGradientRuns(CpuConvolutionPlan plan, Tiling t, float* dy, int group, int r0, int r1, int chunks, float* target,
        nint channelStride, nint pointStride)
    {
        var g = plan.Geometry;
        int k = plan.GroupOut, outH = g.Output.H, outW = g.Output.W, width = 2 * t.Run * t.RunsPerRow + 16;
        int firstRow = r0 / t.RunsPerRow, slots = (r1 - 1) / t.RunsPerRow - firstRow + 1, slotLength = 2 * width * k;
        var padded = CpuScratch.Rent(checked(slots * slotLength + 2 * width));
        try
        {
            float* zero = padded.Pointer + (nint)slots * slotLength;
            new Span<float>(zero, 2 * width).Clear();
            for (int slot = 0; slot < slots; slot++)
            {
                int row = firstRow + slot, sample = row / t.TilesH, oh = 2 * (row % t.TilesH);
                for (int o = 0; o < k; o++)
                {
                    float* plane = dy + ((nint)sample * g.OutChannels + group * k + o) * plan.OutPlane, rows = padded.Pointer + (nint)slot * slotLength + (nint)o * 2 * width;
                    for (int a = 0; a < 2; a++) PadRow(oh + a < outH ? plane + (nint)(oh + a) * outW : null, outW, 0, width, rows + a * width);
                }
            }
            TransformChunks<GradientTransform>(t, new ChunkRuns(t, zero), r0, r1, chunks, padded.Pointer, firstRow, slotLength, 2 * width, width, k,
                target, chunks, 0, channelStride, pointStride);
        }
        finally
        {
            CpuScratch.Return(padded);
        }
    }

    /// <summary>
    /// dM = A dY Aᵀ for the 16 tiles of a chunk of one output channel, whose runs' two output-gradient rows start where
    /// <paramref name="runs"/> says; tile j's outputs are columns 2j and 2j + 1 of its run.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TransformGradient<TRuns>(TRuns runs, int width, float* target, nint stride) where TRuns : struct, IChunkLoads
    {
        runs.Load(0, out var d00, out var d01);
        runs.Load(width, out var d10, out var d11);
        // A dY (4x2): rows d0, d0 + d1, d0 - d1, -d1; then (A dY) Aᵀ along the columns alike.
        Store(d00, d01, target, stride);
        Store(d00 + d10, d01 + d11, target + 4 * stride, stride);
        Store(d00 - d10, d01 - d11, target + 8 * stride, stride);
        Store(-d10, -d11, target + 12 * stride, stride);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static void Store(Vector512<float> e0, Vector512<float> e1, float* target, nint stride)
        {
            e0.Store(target);
            (e0 + e1).Store(target + stride);
            (e0 - e1).Store(target + 2 * stride);
            (-e1).Store(target + 3 * stride);
        }
    }

    /// <summary>Padded rows [first, first + 4) of one input plane, each <paramref name="width"/> floats: zero outside the input.</summary>
    private static void PadRows(ConvGeometry g, float* plane, int first, int width, float* target)
    {
        int inH = g.Input.H, inW = g.Input.W;
        for (int r = 0; r < 4; r++, target += width)
        {
            int ih = first + r - g.PadBegin.H;
            PadRow((uint)ih < (uint)inH ? plane + (nint)ih * inW : null, inW, g.PadBegin.W, width, target);
        }
    }

    /// <summary>
    /// target[0, width) = <paramref name="left"/> zeros, the n floats at <paramref name="source"/> (or zeros where it is
    /// null), zeros. Zeros are written in whole vectors, which may run up to 15 floats past the row into the next (written
    /// after it) or into the zero rows that follow the slots.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PadRow(float* source, int n, int left, int width, float* target)
    {
        if (source is null)
        {
            for (int j = 0; j < width; j += 16) Vector512<float>.Zero.Store(target + j);
            return;
        }
        for (int j = 0; j < left; j++) target[j] = 0f;
        float* row = target + left;
        int i = 0;
        for (; i <= n - 16; i += 16) Vector512.Load(source + i).Store(row + i);
        for (; i < n; i++) row[i] = source[i];
        for (int j = left + n; j < width; j += 16) Vector512<float>.Zero.Store(target + j);
    }

    // Two-source permutes: the even or odd floats of 16-float loads (tile j's patch columns 2j and 2j + 1) of two runs
    // (8 each) or of two of four runs (4 each), and the interleaving of outputs (tile j's output columns 2j and 2j + 1).
    private static readonly Vector512<int> Even = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    private static readonly Vector512<int> Odd = Vector512.Create(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    private static readonly Vector512<int> EvenQuarters = Vector512.Create(0, 2, 4, 6, 16, 18, 20, 22, 0, 2, 4, 6, 16, 18, 20, 22);
    private static readonly Vector512<int> OddQuarters = Vector512.Create(1, 3, 5, 7, 17, 19, 21, 23, 1, 3, 5, 7, 17, 19, 21, 23);
    private static readonly Vector512<int> InterleaveLow = Vector512.Create(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    private static readonly Vector512<int> InterleaveHigh = Vector512.Create(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);

    /// <summary>Loads of a chunk's runs into its lanes (run r of n in lanes [16 r / n, 16 (r + 1) / n)).</summary>
    private interface IChunkLoads
    {
        /// <summary>The even and odd floats of the 16 at <paramref name="offset"/> from each run's start, in the run's lanes.</summary>
        void Load(nint offset, out Vector512<float> even, out Vector512<float> odd);
    }

    /// <summary>Two runs of 8 tiles.</summary>
    private readonly struct TwoRuns(float* a, float* b) : IChunkLoads
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Load(nint offset, out Vector512<float> even, out Vector512<float> odd)
        {
            Vector512<float> va = Vector512.Load(a + offset), vb = Vector512.Load(b + offset);
            even = Avx512F.PermuteVar16x32x2(va, Even, vb);
            odd = Avx512F.PermuteVar16x32x2(va, Odd, vb);
        }
    }

    /// <summary>Four runs of 4 tiles: two permutes gather each pair, then the pairs' lower halves make the chunk.</summary>
    private readonly struct FourRuns(float* a, float* b, float* c, float* d) : IChunkLoads
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Load(nint offset, out Vector512<float> even, out Vector512<float> odd)
        {
            Vector512<float> va = Vector512.Load(a + offset), vb = Vector512.Load(b + offset), vc = Vector512.Load(c + offset), vd = Vector512.Load(d + offset);
            even = Vector512.Create(Avx512F.PermuteVar16x32x2(va, EvenQuarters, vb).GetLower(), Avx512F.PermuteVar16x32x2(vc, EvenQuarters, vd).GetLower());
            odd = Vector512.Create(Avx512F.PermuteVar16x32x2(va, OddQuarters, vb).GetLower(), Avx512F.PermuteVar16x32x2(vc, OddQuarters, vd).GetLower());
        }
    }

    /// <summary>
    /// V = Bᵀ d B for the 16 tiles of a chunk of one channel, Bᵀ = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1], whose runs'
    /// four padded rows start where <paramref name="runs"/> says; tile j's patch starts at column 2j of its run. Point
    /// ξ's 16 values go to target + ξ · stride.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TransformInput<TRuns>(TRuns runs, int width, float* target, nint stride) where TRuns : struct, IChunkLoads
    {
        // Patch columns 2j, 2j + 1 (the even and odd floats of a 16-float load) and 2j + 2, 2j + 3 (of the load two on).
        runs.Load(0, out var d00, out var d01);
        runs.Load(2, out var d02, out var d03);
        runs.Load(width, out var d10, out var d11);
        runs.Load(width + 2, out var d12, out var d13);
        runs.Load(2 * width, out var d20, out var d21);
        runs.Load(2 * width + 2, out var d22, out var d23);
        runs.Load(3 * width, out var d30, out var d31);
        runs.Load(3 * width + 2, out var d32, out var d33);
        // Bᵀ d: along the columns of the patch.
        Columns(d00, d10, d20, d30, out var t00, out var t10, out var t20, out var t30);
        Columns(d01, d11, d21, d31, out var t01, out var t11, out var t21, out var t31);
        Columns(d02, d12, d22, d32, out var t02, out var t12, out var t22, out var t32);
        Columns(d03, d13, d23, d33, out var t03, out var t13, out var t23, out var t33);
        // (Bᵀ d) B: along the rows.
        Store(t00, t01, t02, t03, target, stride);
        Store(t10, t11, t12, t13, target + 4 * stride, stride);
        Store(t20, t21, t22, t23, target + 8 * stride, stride);
        Store(t30, t31, t32, t33, target + 12 * stride, stride);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static void Columns(Vector512<float> d0, Vector512<float> d1, Vector512<float> d2, Vector512<float> d3,
            out Vector512<float> t0, out Vector512<float> t1, out Vector512<float> t2, out Vector512<float> t3)
        {
            t0 = d0 - d2;
            t1 = d1 + d2;
            t2 = d2 - d1;
            t3 = d1 - d3;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static void Store(Vector512<float> t0, Vector512<float> t1, Vector512<float> t2, Vector512<float> t3, float* target, nint stride)
        {
            (t0 - t2).Store(target);
            (t1 + t2).Store(target + stride);
            (t2 - t1).Store(target + 2 * stride);
            (t1 - t3).Store(target + 3 * stride);
        }
    }

    /// <summary>
    /// Where the runs of one chunk of the forward pass write, in every output channel: per run, its first output's offset
    /// from the channel's plane in sample 0, how many of its columns lie inside the plane, and whether its tiles' second
    /// row does. Computed once per chunk, used for every channel.
    /// </summary>
    private unsafe struct ChunkOutputs
    {
        private fixed long _offset[4];
        private fixed int _columns[4];
        private fixed bool _bottom[4];

        /// <summary>Runs of the chunk below the batch's last: none for a chunk past it.</summary>
        public readonly int Count;

        /// <summary>Whether every run is of 8 tiles and all 16 of its columns lie inside the plane: whole vectors stored in place.</summary>
        public readonly bool Whole;

        public ChunkOutputs(Tiling t, ConvGeometry g, int first, int end)
        {
            Count = Math.Clamp(end - first, 0, t.RunsPerChunk);
            int outH = g.Output.H, outW = g.Output.W;
            Whole = t.Run == 8;
            for (int r = 0; r < Count; r++)
            {
                int run = first + r, tileRow = run / t.RunsPerRow, sample = tileRow / t.TilesH, oh = 2 * (tileRow % t.TilesH), ow = t.Column(run);
                _offset[r] = ((long)sample * g.OutChannels * outH + oh) * outW + ow;
                _columns[r] = Math.Min(2 * t.Run, outW - ow);
                _bottom[r] = oh + 1 < outH;
                Whole &= _columns[r] == 16;
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly float* Row(int run, float* plane) => plane + _offset[run];

        public readonly int Columns(int run) => _columns[run];

        public readonly bool Bottom(int run) => _bottom[run];
    }

    /// <summary>
    /// Y = Aᵀ M A + bias for the 16 tiles of a chunk of one output channel, Aᵀ = [1 1 1 0; 0 1 -1 -1]: point ξ's values at
    /// m + ξ · 8 · 32. Writes each of the chunk's runs' outputs that lie inside the output plane, then the epilogue on them.
    /// </summary>
    /// <param name="plane">the channel's output plane in sample 0</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization), SkipLocalsInit]
    private static void TransformOutput(float* m, float bias, int run, ref ChunkOutputs outputs, float* plane, int outW, CpuEpilogue epilogue, int channel)
    {
        const int stride = MR * PanelColumns;
        // Aᵀ M: s0 = m0 + m1 + m2, s1 = m1 - m2 - m3 along the rows of the 4x4 point grid.
        Column(m, 0, out var s00, out var s10);
        Column(m, 1, out var s01, out var s11);
        Column(m, 2, out var s02, out var s12);
        Column(m, 3, out var s03, out var s13);
        // (Aᵀ M) A: y0 = s0 + s1 + s2, y1 = s1 - s2 - s3 along the columns; tile j's outputs to columns 2j and 2j + 1,
        // so that the 32 floats of (low, high) are the chunk's runs one after the other.
        var vb = Vector512.Create(bias);
        Vector512<float> y00 = s00 + s01 + s02 + vb, y01 = s01 - s02 - s03 + vb, y10 = s10 + s11 + s12 + vb, y11 = s11 - s12 - s13 + vb;
        Vector512<float> topLow = Avx512F.PermuteVar16x32x2(y00, InterleaveLow, y01), topHigh = Avx512F.PermuteVar16x32x2(y00, InterleaveHigh, y01);
        Vector512<float> bottomLow = Avx512F.PermuteVar16x32x2(y10, InterleaveLow, y11), bottomHigh = Avx512F.PermuteVar16x32x2(y10, InterleaveHigh, y11);
        float* staged = stackalloc float[4 * ChunkTiles];
        bool whole = outputs.Whole;
        if (!whole)
        {
            topLow.Store(staged);
            topHigh.Store(staged + 16);
            bottomLow.Store(staged + 32);
            bottomHigh.Store(staged + 48);
        }
        for (int r = 0; r < outputs.Count; r++)
        {
            float* row = outputs.Row(r, plane);
            int n = outputs.Columns(r);
            bool bottom = outputs.Bottom(r);
            if (whole)
            {
                // The epilogue in registers, with the arithmetic of its runs in memory.
                var top = r == 0 ? topLow : topHigh;
                (epilogue.IsEmpty ? top : epilogue.Apply(top, row, channel)).Store(row);
                if (!bottom) continue;
                var below = r == 0 ? bottomLow : bottomHigh;
                (epilogue.IsEmpty ? below : epilogue.Apply(below, row + outW, channel)).Store(row + outW);
                continue;
            }
            new ReadOnlySpan<float>(staged + r * 2 * run, n).CopyTo(new Span<float>(row, n));
            if (bottom) new ReadOnlySpan<float>(staged + 32 + r * 2 * run, n).CopyTo(new Span<float>(row + outW, n));
            if (epilogue.IsEmpty) continue;
            epilogue.Apply(row, n, channel);
            if (bottom) epilogue.Apply(row + outW, n, channel);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static void Column(float* m, int j, out Vector512<float> s0, out Vector512<float> s1)
        {
            var m0 = Vector512.Load(m + j * stride);
            var m1 = Vector512.Load(m + (4 + j) * stride);
            var m2 = Vector512.Load(m + (8 + j) * stride);
            var m3 = Vector512.Load(m + (12 + j) * stride);
            s0 = m0 + m1 + m2;
            s1 = m1 - m2 - m3;
        }
    }
}
