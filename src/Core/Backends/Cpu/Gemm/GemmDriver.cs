using System.Runtime.CompilerServices;

namespace MlNetConv.Backends.Cpu.Gemm;

/// <summary>
/// The blocked loops around the micro-kernel (GotoBLAS/BLIS order). B is packed once per call into NR-wide panels
/// (threads split the panels) unless the caller wrote it packed; then work items, each an MC-row block of C times a
/// range of B panels, run for each KC slice of K: pack the A block (or take it from a pre-packed A), then every B
/// micro-panel (kept in L1) against every A micro-panel. Threads take whole work items and K is never split, so every
/// element of C sees the same operations in the same order whatever the thread count or timing: results are
/// bit-identical from run to run.
/// </summary>
internal static unsafe class GemmDriver
{
    /// <summary>Below this many multiply-adds a call runs on the calling thread: starting workers costs more.</summary>
    private const long SerialMacs = 96 * 96 * 96;

    /// <summary>Most floats of B packed at once (16 MB): wider products run as column blocks, each packing its own B.</summary>
    private const long PackedBBudget = 4L << 20;

    /// <summary>Fewest work items per thread when threaded, so that a late or busy core does not leave the others idle.</summary>
    private const int ItemsPerThread = 4;

    /// <param name="packedA">
    /// null, or all of op(A) already packed by <see cref="PackA"/> for this instruction set (the operand of many
    /// calls, such as convolution weights, packed once)
    /// </param>
    /// <param name="packedB">
    /// null, or all of op(B) already in the panel layout of <see cref="PackedBLength"/> (written straight from its source,
    /// such as im2col columns, without a plain copy in between)
    /// </param>
    public static void Run(GemmProblem g, GemmIsa isa, bool parallel, float* packedA = null, float* packedB = null)
    {
        if (g.M == 0 || g.N == 0) return;
        if (g.K == 0 || g.Alpha == 0f)
        {
            ScaleC(g);
            return;
        }

        var blk = GemmBlocking.For(isa);
        if (packedB is null && (long)g.K * g.N > PackedBBudget && g.N > blk.NR)
        {
            // Column blocks on the micro-tile grid: every element still sees the same operations in the same order.
            int width = (int)Math.Max(blk.NR, PackedBBudget / g.K / blk.NR * blk.NR);
            for (int j0 = 0; j0 < g.N; j0 += width) Run(g.Columns(j0, Math.Min(width, g.N - j0)), isa, parallel, packedA);
            return;
        }
        int threads = parallel && g.Macs >= SerialMacs ? Environment.ProcessorCount : 1;
        int panels = (g.N + blk.NR - 1) / blk.NR;
        var packedBScratch = packedB is null ? CpuScratch.Rent(checked(panels * blk.NR * g.K)) : null;
        try
        {
            float* bp = packedB;
            if (packedBScratch is not null)
            {
                bp = packedBScratch.Pointer;
                if (threads > 1) PackBParallel(g, blk, bp, panels, threads);
                else PackB(g, blk, bp, 0, panels);
            }

            // Balanced blocks: M in equal MR-multiples no larger than MC (a multiple of the thread count when there are
            // enough), N in equal panel ranges no wider than NC, cut further while there are too few items to share.
            int mBlocks = (g.M + blk.MC - 1) / blk.MC;
            if (threads > 1 && mBlocks >= threads) mBlocks = RoundUp(mBlocks, threads);
            int mc = RoundUp((g.M + mBlocks - 1) / mBlocks, blk.MR);
            mBlocks = (g.M + mc - 1) / mc;
            int wanted = threads > 1 ? (threads * ItemsPerThread + mBlocks - 1) / mBlocks : 1;
            int nChunks = Math.Clamp(Math.Max((panels * blk.NR + blk.NC - 1) / blk.NC, wanted), 1, panels);
            int chunkPanels = (panels + nChunks - 1) / nChunks;
            nChunks = (panels + chunkPanels - 1) / chunkPanels;
            int items = mBlocks * nChunks;

            if (threads > 1 && items > 1) ComputeParallel(g, blk, packedA, bp, mc, chunkPanels, mBlocks, items);
            else
                for (int item = 0; item < items; item++) ComputeItem(g, blk, packedA, bp, mc, chunkPanels, item % mBlocks, item / mBlocks);
        }
        finally
        {
            if (packedBScratch is not null) CpuScratch.Return(packedBScratch);
        }
    }

    // The lambdas live in their own methods: a closure captured in Run would be allocated on the serial path too.
    private static void PackBParallel(GemmProblem g, GemmBlocking blk, float* packedB, int panels, int threads)
    {
        int per = (panels + threads - 1) / threads;
        nint bp = (nint)packedB;
        CpuParallel.For(threads, t => PackB(g, blk, (float*)bp, t * per, Math.Min(panels, (t + 1) * per)));
    }

    private static void ComputeParallel(GemmProblem g, GemmBlocking blk, float* packedA, float* packedB, int mc, int chunkPanels, int mBlocks, int items)
    {
        nint ap = (nint)packedA, bp = (nint)packedB;
        CpuParallel.For(items, item => ComputeItem(g, blk, (float*)ap, (float*)bp, mc, chunkPanels, item % mBlocks, item / mBlocks));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackB(GemmProblem g, GemmBlocking blk, float* packedB, int panelStart, int panelEnd)
    {
        for (int jp = panelStart; jp < panelEnd; jp++)
        {
            int j = jp * blk.NR;
            GemmPacking.PackBPanel(g.B, g.Ldb, g.TransposeB, j, Math.Min(blk.NR, g.N - j), g.K, blk.NR, packedB + (nint)jp * g.K * blk.NR);
        }
    }

    /// <summary>Rows [mBlock * mc, +mc) times panels [nChunk * chunkPanels, +chunkPanels) of C, over all of K.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ComputeItem(GemmProblem g, GemmBlocking blk, float* prepackedA, float* packedB, int mc, int chunkPanels, int mBlock, int nChunk)
    {
        int i0 = mBlock * mc, rows = Math.Min(mc, g.M - i0);
        int rowPanels = (rows + blk.MR - 1) / blk.MR;
        int jp0 = nChunk * chunkPanels, jp1 = Math.Min(jp0 + chunkPanels, (g.N + blk.NR - 1) / blk.NR);
        float* tile = stackalloc float[blk.MR * blk.NR];
        var scratch = prepackedA is null ? CpuScratch.Rent(rowPanels * blk.MR * blk.KC) : null;
        try
        {
            for (int pc = 0; pc < g.K; pc += blk.KC)
            {
                int kc = Math.Min(blk.KC, g.K - pc);
                // Panels of the A block: kc x MR each, one after the other, or slices of the full-K pre-packed panels.
                float* aBlock;
                nint aStride;
                if (scratch is null)
                {
                    aBlock = prepackedA + ((nint)(i0 / blk.MR) * g.K + pc) * blk.MR;
                    aStride = (nint)g.K * blk.MR;
                }
                else
                {
                    aBlock = scratch.Pointer;
                    aStride = blk.MR * kc;
                    GemmPacking.PackA(g.A, g.Lda, g.TransposeA, i0, rows, pc, kc, blk.MR, aBlock);
                }
                float beta = pc == 0 ? g.Beta : 1f;
                for (int jp = jp0; jp < jp1; jp++)
                {
                    int j = jp * blk.NR, cols = Math.Min(blk.NR, g.N - j);
                    float* bPanel = packedB + ((nint)jp * g.K + pc) * blk.NR;
                    for (int ip = 0; ip < rowPanels; ip++)
                    {
                        int i = i0 + ip * blk.MR, tileRows = Math.Min(blk.MR, g.M - i);
                        float* aPanel = aBlock + ip * aStride;
                        float* c = g.C + i * g.Ldc + j;
                        if (cols == blk.NR)
                            GemmMicroKernels.Run(blk.Isa, kc, aPanel, bPanel, c, g.Ldc, g.Alpha, beta, tileRows);
                        else
                            EdgeTile(blk, kc, aPanel, bPanel, c, g.Ldc, g.Alpha, beta, tileRows, cols, tile);
                    }
                }
            }
        }
        finally
        {
            if (scratch is not null) CpuScratch.Return(scratch);
        }
    }

    /// <summary>Floats of all of a k x n op(B) in NR-column panels (each k x NR, columns past n zero) for <paramref name="isa"/>.</summary>
    public static int PackedBLength(int k, int n, GemmIsa isa)
    {
        int nr = GemmBlocking.For(isa).NR;
        return checked((n + nr - 1) / nr * nr * k);
    }

    /// <summary>Floats of all of an m x k op(A) packed for <paramref name="isa"/>.</summary>
    public static int PackedALength(int m, int k, GemmIsa isa)
    {
        int mr = GemmBlocking.For(isa).MR;
        return checked((m + mr - 1) / mr * mr * k);
    }

    /// <summary>
    /// Packs all of op(A) (m x k) into full-depth MR-row panels for <see cref="Run"/>'s packedA; large operands (such as
    /// a deep layer's convolution weights, repacked on every call) on every core, each taking whole panels.
    /// </summary>
    public static void PackA(bool transposeA, float* a, int lda, int m, int k, GemmIsa isa, float* dst)
    {
        int mr = GemmBlocking.For(isa).MR, panels = (m + mr - 1) / mr, threads = Math.Min(Environment.ProcessorCount, panels);
        if (threads <= 1 || (long)m * k < ParallelPackFloats)
        {
            GemmPacking.PackA(a, lda, transposeA, 0, m, 0, k, mr, dst);
            return;
        }
        int per = (panels + threads - 1) / threads;
        nint ap = (nint)a, dp = (nint)dst;
        CpuParallel.For(threads, t =>
        {
            int i0 = Math.Min(m, t * per * mr), i1 = Math.Min(m, (t + 1) * per * mr);
            if (i1 > i0) GemmPacking.PackA((float*)ap, lda, transposeA, i0, i1 - i0, 0, k, mr, (float*)dp + (nint)i0 * k);
        });
    }

    /// <summary>Packs all of op(B) (k x n) into the NR-column panels of <see cref="PackedBLength"/>, for <see cref="Run"/>'s packedB.</summary>
    public static void PackB(bool transposeB, float* b, int ldb, int k, int n, GemmIsa isa, float* dst)
    {
        int nr = GemmBlocking.For(isa).NR;
        for (int j = 0; j < n; j += nr, dst += (nint)k * nr) GemmPacking.PackBPanel(b, ldb, transposeB, j, Math.Min(nr, n - j), k, nr, dst);
    }

    /// <summary>Operands of at least this many floats (1 MB) are packed on every core.</summary>
    private const long ParallelPackFloats = 1 << 18;

    /// <summary>A tile cut by the right edge, through a full-width copy, so it gets exactly the arithmetic of a full one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void EdgeTile(GemmBlocking blk, int kc, float* a, float* b, float* c, nint ldc, float alpha, float beta,
        int rows, int cols, float* tile)
    {
        int nr = blk.NR;
        new Span<float>(tile, blk.MR * nr).Clear();
        if (beta != 0f)
            for (int r = 0; r < rows; r++) new ReadOnlySpan<float>(c + r * ldc, cols).CopyTo(new Span<float>(tile + r * nr, cols));
        GemmMicroKernels.Run(blk.Isa, kc, a, b, tile, nr, alpha, beta, rows);
        for (int r = 0; r < rows; r++) new ReadOnlySpan<float>(tile + r * nr, cols).CopyTo(new Span<float>(c + r * ldc, cols));
    }

    /// <summary>C = beta * C, the whole product when K = 0 or alpha = 0 (beta = 0 clears C without reading it).</summary>
    private static void ScaleC(GemmProblem g)
    {
        for (int i = 0; i < g.M; i++)
        {
            var row = new Span<float>(g.C + i * g.Ldc, g.N);
            if (g.Beta == 0f) row.Clear();
            else if (g.Beta != 1f)
                for (int j = 0; j < row.Length; j++) row[j] *= g.Beta;
        }
    }

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;
}
