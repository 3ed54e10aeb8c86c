using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using MlNetConv.Backends.Cpu.Gemm;
using MlNetConv.Geometry;
using MlNetConv.Tensors;

namespace MlNetConv.Backends.Cpu.Kernels;

/// <summary>
/// Convolution as GEMM, per sample and group (PyTorch's CPU "slow_conv" lineage): Y (Cout/g x P) = W (Cout/g x Rows) ·
/// col (Rows x P). The forward pass takes one of three layouts (<see cref="CpuForwardLayout"/>): col built by im2col
/// (1x1 stride-1 kernels read the input directly), col read in place from a zero-padded copy of the input, or the
/// transposed product with positions as rows for small maps; all three give the same bits. 3x3 stride-1 layers can
/// instead take Winograd's F(2x2, 3x3) (<see cref="CpuWinograd"/>), within a few roundings of them, in the forward pass
/// and in both gradients. The weights stay packed
/// while they do not change (<see cref="CpuPackedWeights"/>). In evaluation the layers after a convolution (batch norm,
/// residual addition, ReLU) can run in its epilogue (<see cref="IFusedConvolutionKernels"/>). Work items are (samples,
/// group, chunk of columns or block of channels), each on one core with a single-threaded GEMM and its own pooled
/// buffers, so batch 1 uses every core and no buffer is allocated in steady state. The input gradient is Wᵀ · dY
/// scattered back by col2im; the weight gradient dY · colᵀ is summed over fixed sample chunks and the chunks added in
/// order, so the result never depends on thread timing. A connection table runs as the dense layer with zero weights
/// for the missing pairs. <see cref="CpuConvolutionPlan"/> picks the layout and the cuts for each geometry.
/// </summary>
/// <param name="isa">the GEMM micro-kernel (the machine's best by default; tests run every one it has)</param>
/// <param name="forwardLayout">
/// null: the plan's choice per geometry; else this forward layout wherever it can compute the geometry (tests compare the
/// layouts, benchmarks time them)
/// </param>
/// <param name="winograd">whether the plan may choose <see cref="CpuForwardLayout.Winograd"/> (<see cref="CpuBackendOptions.Winograd"/>)</param>
internal sealed unsafe class CpuConvolutionKernels(GemmIsa isa, CpuForwardLayout? forwardLayout = null, bool winograd = true)
    : IConvolutionKernels, IFusedConvolutionKernels
{
    public CpuConvolutionKernels() : this(GemmBlocking.BestIsa) { }

    public void Forward(ConvGeometry g, Tensor input, Tensor weight, Tensor? bias, Tensor output)
    {
        g.CheckArguments("forward", input.Shape, weight.Shape, bias?.Shape, output.Shape);
        Run(g, input, weight, bias, default, output);
    }

    public void ForwardFused(ConvGeometry g, Tensor input, Tensor weight, Tensor? bias, ConvolutionEpilogue epilogue, Tensor? residual, Tensor output)
    {
        g.CheckArguments("forward (fused)", input.Shape, weight.Shape, bias?.Shape, output.Shape);
        if (epilogue.Norm is { } statistics && new[] { statistics.Gamma, statistics.Beta, statistics.RunningMean, statistics.RunningVar }.Any(t => t.Shape != new Shape(g.OutChannels)))
            throw new ArgumentException($"Convolution: the fused batch norm's statistics must be ({g.OutChannels}) each, got {statistics.Gamma.Shape}, "
                + $"{statistics.Beta.Shape}, {statistics.RunningMean.Shape} and {statistics.RunningVar.Shape}.");
        if (epilogue.AddsResidual != residual is not null)
            throw new ArgumentException($"Convolution: the epilogue {(epilogue.AddsResidual ? "adds a residual but none was given" : "adds no residual but one was given")}.");
        if (residual is not null && residual.Shape != output.Shape)
            throw new ArgumentException($"Convolution: the residual is {residual.Shape}, the output {output.Shape}.");
        int channels = g.OutChannels;
        var invStd = epilogue.Norm is null ? null : CpuScratch.Rent(channels);
        try
        {
            if (epilogue.Norm is { } norm)
            {
                var variance = CpuData.Read(norm.RunningVar);
                for (int c = 0; c < channels; c++) invStd!.Pointer[c] = 1f / MathF.Sqrt(variance[c] + norm.Epsilon);
            }
            fixed (float* mean = epilogue.Norm is null ? default : CpuData.Read(epilogue.Norm.RunningMean).AsSpan(),
                gamma = epilogue.Norm is null ? default : CpuData.Read(epilogue.Norm.Gamma).AsSpan(),
                beta = epilogue.Norm is null ? default : CpuData.Read(epilogue.Norm.Beta).AsSpan(),
                r = residual is null ? default : CpuData.Read(residual).AsSpan(), y = CpuData.Read(output).AsSpan())
                Run(g, input, weight, bias, new CpuEpilogue(mean, invStd is null ? null : invStd.Pointer, gamma, beta, r, y, epilogue.Relu), output);
        }
        finally
        {
            if (invStd is not null) CpuScratch.Return(invStd);
        }
    }

    private void Run(ConvGeometry g, Tensor input, Tensor weight, Tensor? bias, CpuEpilogue epilogue, Tensor output)
    {
        var plan = CpuConvolutionPlan.For(g);
        var layout = forwardLayout is { } chosen && plan.Supports(chosen, isa) ? chosen : plan.ForwardLayout(isa, input.Shape.N, winograd);
        int packedLength = CpuPackedWeights.GroupLength(isa, plan, layout);
        // Each group's weight matrix packed once for all samples and chunks, and kept while the weights do not change.
        float* packed = CpuPackedWeights.ForConvolution(isa, plan, layout, weight);
        fixed (float* x = CpuData.Read(input).AsSpan(), b = bias is null ? default : CpuData.Read(bias).AsSpan(), y = CpuData.Span(output))
        {
            switch (layout)
            {
                case CpuForwardLayout.PositionRows: ForwardPositionRows(isa, plan, input.Shape.N, x, packed, packedLength, b, epilogue, y); break;
                case CpuForwardLayout.PaddedInput: ForwardPaddedInput(plan, input.Shape.N, x, packed, packedLength, b, epilogue, y); break;
                case CpuForwardLayout.Winograd: CpuWinograd.Forward(plan, input.Shape.N, x, packed, packedLength, b, epilogue, y); break;
                default: ForwardChannelRows(isa, plan, input.Shape.N, x, packed, packedLength, b, epilogue, y); break;
            }
        }
    }

    /// <summary>Work items of (sample, group, chunk of columns, block of output channels), each a single-threaded GEMM.</summary>
    private static void ForwardChannelRows(GemmIsa isa, CpuConvolutionPlan plan, int batch, float* x, float* packed, int packedLength, float* b,
        CpuEpilogue epilogue, float* y)
    {
        var g = plan.Geometry;
        var columns = ColumnChunks.For(plan.OutPlane, plan.ColumnChunk, batch * g.Groups);
        int chunks = columns.Count;
        int block = plan.ForwardChannelBlock(batch * g.Groups * chunks, Sgemm.PackedARowAlignment(isa)), blocks = (plan.GroupOut + block - 1) / block;
        nint xp = (nint)x, bp = (nint)b, yp = (nint)y, pp = (nint)packed;
        CpuParallel.For(batch * g.Groups * chunks * blocks, item =>
        {
            int channels = item % blocks, rest = item / blocks;
            int c = rest % chunks, group = rest / chunks % g.Groups, sample = rest / chunks / g.Groups;
            int o0 = channels * block;
            ForwardItem(isa, plan, (float*)xp, (float*)pp + (nint)group * packedLength, (float*)bp, epilogue, (float*)yp, sample, group, columns.Start(c),
                columns.Width(c), o0, Math.Min(block, plan.GroupOut - o0));
        });
    }

    /// <summary>Output positions [q0, q0 + n) of the group's output channels [o0, o0 + count) of one sample.</summary>
    /// <param name="packedWeight">the group's (GroupOut, Rows) weight matrix in A panels; o0 starts a panel</param>
    private static void ForwardItem(GemmIsa isa, CpuConvolutionPlan plan, float* x, float* packedWeight, float* b, CpuEpilogue epilogue, float* y,
        int sample, int group, int q0, int n, int o0, int count)
    {
        var g = plan.Geometry;
        float* xs = x + ((nint)sample * g.InChannels + group * plan.GroupIn) * plan.InPlane;
        float* ys = y + ((nint)sample * g.OutChannels + group * plan.GroupOut + o0) * plan.OutPlane + q0;
        float* pw = packedWeight + (nint)o0 * plan.Rows; // panels of MR full-depth rows: row o0's panel starts at o0 · Rows
        if (plan.Path == CpuConvolutionPath.Pointwise)
            Sgemm.Multiply(isa, false, false, count, n, plan.Rows, 1f, null, plan.Rows, xs + q0, plan.InPlane, 0f, ys, plan.OutPlane, parallel: false, pw);
        else
        {
            int nr = Sgemm.PackedBColumns(isa);
            var col = CpuScratch.Rent(plan.Rows * ((n + nr - 1) / nr * nr));
            try
            {
                // col: (Rows, n) in GEMM B panels of nr columns
                CpuIm2Col.GatherPanels(plan, xs, plan.GroupIn, q0, n, nr, col.Pointer);
                Sgemm.Multiply(isa, false, false, count, n, plan.Rows, 1f, null, plan.Rows, null, n, 0f, ys, plan.OutPlane, parallel: false,
                    pw, col.Pointer);
            }
            finally
            {
                CpuScratch.Return(col);
            }
        }
        if (b is not null)
            for (int o = 0; o < count; o++) AddScalar(b[group * plan.GroupOut + o0 + o], ys + (nint)o * plan.OutPlane, n);
        if (!epilogue.IsEmpty)
            for (int o = 0; o < count; o++) epilogue.Apply(ys + (nint)o * plan.OutPlane, n, group * plan.GroupOut + o0 + o);
    }

    /// <summary>Zero floats after each sample's padded planes: the last column tile reads up to 31 positions past the span.</summary>
    private const int PaddedSlack = 48;

    /// <summary>Output positions (in a phase plane) per work item of the padded-input layout: eight column tiles.</summary>
    private const int PaddedChunk = 256;

    /// <summary>
    /// The <see cref="CpuForwardLayout.PaddedInput"/> layout: every input plane copied once into its zero-padded phase planes,
    /// then work items of (sample, group, chunk of padded positions, block of output channels), each running the
    /// micro-kernel over B rows read in place and moving its valid columns into the output with the bias. The same
    /// products in the same order as im2col and GEMM, so the same bits.
    /// </summary>
    private static void ForwardPaddedInput(CpuConvolutionPlan plan, int batch, float* x, float* packed, int packedLength, float* b, CpuEpilogue epilogue,
        float* y)
    {
        var g = plan.Geometry;
        int sampleLength = checked(g.InChannels * plan.PaddedChannel + PaddedSlack);
        var padded = CpuScratch.Rent(checked(batch * sampleLength));
        try
        {
            nint xp = (nint)x, pp = (nint)padded.Pointer;
            CpuParallel.For(batch * g.InChannels, plane =>
            {
                int sample = plane / g.InChannels, c = plane % g.InChannels;
                float* target = (float*)pp + (nint)sample * sampleLength;
                CpuIm2Col.SplitPhases(plan, (float*)xp + (nint)plane * plan.InPlane, target + (nint)c * plan.PaddedChannel);
                if (c == 0) new Span<float>(target + sampleLength - PaddedSlack, PaddedSlack).Clear();
            });
            var columns = ColumnChunks.For(plan.PaddedSpan, PaddedChunk, batch * g.Groups);
            int chunks = columns.Count;
            int block = plan.ForwardChannelBlock(batch * g.Groups * chunks, 8), blocks = (plan.GroupOut + block - 1) / block;
            nint bp = (nint)b, yp = (nint)y, wp = (nint)packed;
            CpuParallel.For(batch * g.Groups * chunks * blocks, item =>
            {
                int channels = item % blocks, rest = item / blocks;
                int chunk = rest % chunks, group = rest / chunks % g.Groups, sample = rest / chunks / g.Groups;
                int o0 = channels * block;
                float* input = (float*)pp + (nint)sample * sampleLength + (nint)group * plan.GroupIn * plan.PaddedChannel;
                float* output = (float*)yp + ((nint)sample * g.OutChannels + group * plan.GroupOut + o0) * plan.OutPlane;
                float* bias = (float*)bp is null ? null : (float*)bp + group * plan.GroupOut + o0;
                PaddedItem(plan, input, (float*)wp + (nint)group * packedLength + (nint)o0 * plan.Rows, bias, epilogue, group * plan.GroupOut + o0, output,
                    columns.Start(chunk), columns.Width(chunk), Math.Min(block, plan.GroupOut - o0));
            });
        }
        finally
        {
            CpuScratch.Return(padded);
        }
    }

    /// <summary>Phase-plane positions [q0, q0 + n) of output channels [0, count) from o0 on: a (count x n) tile of Y, then its valid columns.</summary>
    /// <param name="input">the group's phase planes of the sample</param>
    /// <param name="packedWeight">the A panels of the item's first output channel (full depth)</param>
    /// <param name="channel">the item's first output channel, for the epilogue</param>
    /// <param name="output">the item's first output plane</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PaddedItem(CpuConvolutionPlan plan, float* input, float* packedWeight, float* bias, CpuEpilogue epilogue, int channel, float* output,
        int q0, int n, int count)
    {
        const int MR = 8, NR = 32;
        int tiles = (n + NR - 1) / NR, ldc = tiles * NR, k = plan.Rows, kc = GemmBlocking.For(GemmIsa.Vector512).KC;
        var tile = CpuScratch.Rent(count * ldc);
        try
        {
            fixed (int* offsets = plan.PaddedOffsets)
                for (int pc = 0; pc < k; pc += kc)
                {
                    int depth = Math.Min(kc, k - pc);
                    float beta = pc == 0 ? 0f : 1f;
                    for (int jp = 0; jp < tiles; jp++)
                    for (int ip = 0; ip < count; ip += MR)
                        GemmMicroKernels.Kernel8x32Offsets(depth, packedWeight + (nint)ip * k + (nint)pc * MR, input + q0 + jp * NR, offsets + pc,
                            tile.Pointer + (nint)ip * ldc + jp * NR, ldc, beta, Math.Min(MR, count - ip));
                }
            // Bias and epilogue over whole tile rows (the dropped columns too: full vectors), then the outputs into place,
            // where a residual is added at its position.
            for (int c = 0; c < count; c++)
            {
                float* row = tile.Pointer + (nint)c * ldc;
                if (bias is not null) AddScalar(bias[c], row, ldc);
                if (!epilogue.IsEmpty) epilogue.ApplyBeforeResidual(row, ldc, channel + c);
            }
            CpuIm2Col.UnpadColumns(plan, tile.Pointer, ldc, count, q0, n, epilogue, channel, output);
        }
        finally
        {
            CpuScratch.Return(tile);
        }
    }

    /// <summary>Most GEMM rows (positions of several samples) a unit of the positions-as-rows layout gathers.</summary>
    private const int PositionRowsPerUnit = 256;

    /// <summary>
    /// The <see cref="CpuForwardLayout.PositionRows"/> layout, one group of a few samples at a time: Yᵀ (S·P x GroupOut) =
    /// colᵀ · Wᵀ with colᵀ gathered straight into A panels of MR positions (each sample's starting a panel), then
    /// written transposed into the output planes with the bias. Small maps take several samples per unit, so that each
    /// packed weight panel serves more rows (ResNet's 7x7 layers: four samples, 224 rows). Enough units take a core each;
    /// fewer (batch-1 inference) spread each unit's gather and GEMM over the cores.
    /// </summary>
    private static void ForwardPositionRows(GemmIsa isa, CpuConvolutionPlan plan, int batch, float* x, float* packed, int packedLength, float* b,
        CpuEpilogue epilogue, float* y)
    {
        int mr = Sgemm.PackedARowAlignment(isa), threads = Environment.ProcessorCount;
        int sampleRows = (plan.OutPlane + mr - 1) / mr * mr;
        int perUnit = Math.Clamp(Math.Min(PositionRowsPerUnit / sampleRows, batch / (2 * threads)), 1, Math.Max(1, batch));
        int blocks = (batch + perUnit - 1) / perUnit, units = blocks * plan.Geometry.Groups;
        if (units >= 2 * threads)
        {
            nint xp = (nint)x, bp = (nint)b, yp = (nint)y, pp = (nint)packed;
            CpuParallel.For(units, unit =>
                PositionRowsUnit(isa, plan, (float*)xp, (float*)pp, packedLength, (float*)bp, epilogue, (float*)yp, batch, perUnit, unit, parallel: false));
        }
        else
            for (int unit = 0; unit < units; unit++) PositionRowsUnit(isa, plan, x, packed, packedLength, b, epilogue, y, batch, perUnit, unit, parallel: true);
    }

    /// <summary>All output positions and channels of samples [block · perUnit, +perUnit) in one group: unit = block · groups + group.</summary>
    private static void PositionRowsUnit(GemmIsa isa, CpuConvolutionPlan plan, float* x, float* packed, int packedLength, float* b, CpuEpilogue epilogue,
        float* y, int batch, int perUnit, int unit, bool parallel)
    {
        var g = plan.Geometry;
        int block = unit / g.Groups, group = unit % g.Groups, mr = Sgemm.PackedARowAlignment(isa), n = plan.OutPlane;
        int first = block * perUnit, samples = Math.Min(perUnit, batch - first), panels = (n + mr - 1) / mr, rows = samples * panels * mr;
        var colT = CpuScratch.Rent(plan.Rows * rows);
        var yT = CpuScratch.Rent(rows * plan.GroupOut);
        try
        {
            // colᵀ: (rows, Rows) in A panels of mr positions, each Rows x mr: GatherPanels' layout with panels mr wide,
            // sample after sample (the positions past each sample's last are zero rows)
            if (parallel)
            {
                int splits = Math.Min(Environment.ProcessorCount, panels), per = (panels + splits - 1) / splits;
                nint xp = (nint)x, cp = (nint)colT.Pointer;
                CpuParallel.For(samples * splits, item =>
                {
                    int s = item / splits, p0 = item % splits * per, p1 = Math.Min(panels, p0 + per);
                    float* xs = (float*)xp + ((nint)(first + s) * g.InChannels + group * plan.GroupIn) * plan.InPlane;
                    if (p1 > p0)
                        GatherPositionPanels(isa, plan, xs, p0 * mr, Math.Min(n, p1 * mr) - p0 * mr, (float*)cp + ((nint)s * panels + p0) * mr * plan.Rows);
                });
            }
            else
                for (int s = 0; s < samples; s++)
                    GatherPositionPanels(isa, plan, x + ((nint)(first + s) * g.InChannels + group * plan.GroupIn) * plan.InPlane, 0, n,
                        colT.Pointer + (nint)s * panels * mr * plan.Rows);
            Sgemm.Multiply(isa, false, false, rows, plan.GroupOut, plan.Rows, 1f, null, plan.Rows, null, plan.GroupOut, 0f, yT.Pointer, plan.GroupOut, parallel,
                colT.Pointer, packed + (nint)group * packedLength);
            for (int s = 0; s < samples; s++)
            {
                float* ys = y + ((nint)(first + s) * g.OutChannels + group * plan.GroupOut) * plan.OutPlane;
                TransposeInto(yT.Pointer + (nint)s * panels * mr * plan.GroupOut, n, plan.GroupOut, b is null ? null : b + group * plan.GroupOut, ys, plan.OutPlane);
                if (!epilogue.IsEmpty)
                    for (int o = 0; o < plan.GroupOut; o++) epilogue.Apply(ys + (nint)o * plan.OutPlane, n, group * plan.GroupOut + o);
            }
        }
        finally
        {
            CpuScratch.Return(yT);
            CpuScratch.Return(colT);
        }
    }

    /// <summary>colᵀ of positions [q0, q0 + n) of one group in A panels of MR positions.</summary>
    private static void GatherPositionPanels(GemmIsa isa, CpuConvolutionPlan plan, float* xs, int q0, int n, float* panels)
    {
        int mr = Sgemm.PackedARowAlignment(isa);
        if (mr == 8 && Avx2.IsSupported) CpuIm2Col.GatherPanels8(plan, xs, plan.GroupIn, q0, n, panels);
        else CpuIm2Col.GatherPanels(plan, xs, plan.GroupIn, q0, n, mr, panels);
    }

    /// <summary>y[o · ldy + q] = yT[q · count + o] (+ bias[o]) for n positions and count channels.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TransposeInto(float* yT, int n, int count, float* bias, float* y, int ldy)
    {
        for (int o = 0; o < count; o++)
        {
            float* row = y + (nint)o * ldy, column = yT + o;
            if (bias is null)
                for (int q = 0; q < n; q++) row[q] = column[(nint)q * count];
            else
                for (int q = 0; q < n; q++) row[q] = column[(nint)q * count] + bias[o];
        }
    }

    public void BackwardData(ConvGeometry g, Tensor outputGrad, Tensor weight, Tensor inputGrad)
    {
        g.CheckArguments("backward (data)", inputGrad.Shape, weight.Shape, null, outputGrad.Shape);
        var plan = CpuConvolutionPlan.For(g);
        if (winograd && plan.InputGradientPlan is { } transposed && transposed.ForwardLayout(isa, outputGrad.Shape.N) == CpuForwardLayout.Winograd)
        {
            BackwardDataWinograd(plan, transposed, outputGrad, weight, inputGrad);
            return;
        }
        int batch = outputGrad.Shape.N, block = plan.DataChannelBlock(batch), blocks = (plan.GroupIn + block - 1) / block;
        int items = batch * g.Groups * blocks, packedLength = Sgemm.PackedALength(isa, plan.Rows, plan.GroupOut);
        var packed = CpuScratch.Rent(g.Groups * packedLength);
        var dense = plan.ExpandsTable ? CpuScratch.Rent(g.OutChannels * plan.Rows) : null;
        try
        {
            fixed (float* dy = CpuData.Span(outputGrad), table = CpuData.Span(weight), dx = CpuData.Span(inputGrad))
            {
                float* w = dense is null ? table : ExpandTable(plan, table, dense.Pointer);
                // Each group's Wᵀ (Rows, GroupOut) packed once for all samples.
                for (int group = 0; group < g.Groups; group++)
                    Sgemm.PackA(isa, true, w + (nint)group * plan.GroupOut * plan.Rows, plan.Rows, plan.Rows, plan.GroupOut, packed.Pointer + (nint)group * packedLength);
                nint dyp = (nint)dy, wp = (nint)w, dxp = (nint)dx, pp = (nint)packed.Pointer;
                CpuParallel.For(items, item =>
                {
                    int b = item % blocks, group = item / blocks % g.Groups, sample = item / blocks / g.Groups;
                    int c0 = b * block;
                    BackwardDataItem(isa, plan, (float*)dyp, (float*)wp, (float*)pp + (nint)group * packedLength, (float*)dxp, sample, group, c0,
                        Math.Min(block, plan.GroupIn - c0));
                });
            }
        }
        finally
        {
            CpuScratch.Return(packed);
            if (dense is not null) CpuScratch.Return(dense);
        }
    }

    /// <summary>
    /// The input gradient of a 3x3 stride-1 layer as the forward convolution of <see cref="CpuConvolutionPlan.InputGradientPlan"/>
    /// on Winograd's transforms: the weights transposed per group and turned by 180° (packed at every call, as training
    /// changes them every step), then the forward pass over dY.
    /// </summary>
    private void BackwardDataWinograd(CpuConvolutionPlan plan, CpuConvolutionPlan transposed, Tensor outputGrad, Tensor weight, Tensor inputGrad)
    {
        var g = plan.Geometry;
        int packedLength = CpuWinograd.PackedGroupLength(isa, transposed), size = g.OutChannels * plan.Rows;
        var packed = CpuScratch.Rent(g.Groups * packedLength);
        var turned = CpuScratch.Rent(size);
        var dense = plan.ExpandsTable ? CpuScratch.Rent(size) : null;
        try
        {
            fixed (float* dy = CpuData.Read(outputGrad).AsSpan(), table = CpuData.Read(weight).AsSpan(), dx = CpuData.Span(inputGrad))
            {
                float* w = dense is null ? table : ExpandTable(plan, table, dense.Pointer);
                // turned[group][c][o][t] = w[group][o][c][8 - t]: (GroupIn, GroupOut · 9) per group.
                for (int group = 0; group < g.Groups; group++)
                {
                    float* source = w + (nint)group * plan.GroupOut * plan.Rows, target = turned.Pointer + (nint)group * plan.GroupOut * plan.Rows;
                    for (int o = 0; o < plan.GroupOut; o++)
                    for (int c = 0; c < plan.GroupIn; c++)
                    for (int t = 0; t < 9; t++)
                        target[((nint)c * plan.GroupOut + o) * 9 + t] = source[((nint)o * plan.GroupIn + c) * 9 + 8 - t];
                    CpuWinograd.PackWeights(isa, transposed, target, packed.Pointer + (nint)group * packedLength);
                }
                CpuWinograd.Forward(transposed, outputGrad.Shape.N, dy, packed.Pointer, packedLength, null, default, dx);
            }
        }
        finally
        {
            CpuScratch.Return(packed);
            CpuScratch.Return(turned);
            if (dense is not null) CpuScratch.Return(dense);
        }
    }

    /// <summary>Input channels [c0, c0 + channels) of one sample and group: only this item writes their gradient planes.</summary>
    /// <param name="packedWeightT">the group's Wᵀ (Rows, GroupOut), packed; used when row c0 · kv starts a packed panel</param>
    private static void BackwardDataItem(GemmIsa isa, CpuConvolutionPlan plan, float* dy, float* w, float* packedWeightT, float* dx, int sample, int group, int c0, int channels)
    {
        var g = plan.Geometry;
        float* dys = dy + ((nint)sample * g.OutChannels + group * plan.GroupOut) * plan.OutPlane;
        float* dxs = dx + ((nint)sample * g.InChannels + group * plan.GroupIn + c0) * plan.InPlane;
        // Rows [c0 · kv, (c0 + channels) · kv) of Wᵀ: columns of the group's (GroupOut, Rows) weight matrix.
        float* wt = w + (nint)group * plan.GroupOut * plan.Rows + c0 * plan.KernelVolume;
        int firstRow = c0 * plan.KernelVolume, align = Sgemm.PackedARowAlignment(isa);
        float* packedRows = firstRow % align == 0 ? packedWeightT + (nint)(firstRow / align) * align * plan.GroupOut : null;
        if (plan.Path == CpuConvolutionPath.Pointwise)
        {
            Sgemm.Multiply(isa, true, false, channels, plan.OutPlane, plan.GroupOut, 1f, wt, plan.Rows, dys, plan.OutPlane, 0f, dxs, plan.InPlane, parallel: false, packedRows);
            return;
        }
        new Span<float>(dxs, channels * plan.InPlane).Clear();
        int rows = channels * plan.KernelVolume, columns = plan.ColumnsFor(rows);
        var col = CpuScratch.Rent(rows * columns);
        try
        {
            for (int q0 = 0; q0 < plan.OutPlane; q0 += columns)
            {
                int n = Math.Min(columns, plan.OutPlane - q0);
                // col: (rows, n) = Wᵀ · dY[:, q0 : q0 + n]
                Sgemm.Multiply(isa, true, false, rows, n, plan.GroupOut, 1f, wt, plan.Rows, dys + q0, plan.OutPlane, 0f, col.Pointer, n, parallel: false, packedRows);
                CpuIm2Col.ScatterAdd(plan, col.Pointer, channels, q0, q0 + n, dxs);
            }
        }
        finally
        {
            CpuScratch.Return(col);
        }
    }

    public void BackwardWeights(ConvGeometry g, Tensor input, Tensor outputGrad, Tensor weightGrad, Tensor? biasGrad)
    {
        g.CheckArguments("backward (weights)", input.Shape, weightGrad.Shape, biasGrad?.Shape, outputGrad.Shape);
        var plan = CpuConvolutionPlan.For(g);
        int batch = input.Shape.N;
        if (batch == 0) return;
        int chunks = CpuConvolutionPlan.WeightSampleChunks(batch);
        int block = plan.WeightChannelBlock(batch), blocks = (plan.GroupIn + block - 1) / block;
        int weightSize = g.OutChannels * plan.Rows, items = chunks * g.Groups * blocks;
        var partials = CpuScratch.Rent(chunks * weightSize);
        var dense = plan.ExpandsTable ? CpuScratch.Rent(weightSize) : null;
        bool winogradGradient = plan.ForwardLayout(isa, batch, winograd) == CpuForwardLayout.Winograd;
        try
        {
            fixed (float* x = CpuData.Span(input), dy = CpuData.Span(outputGrad), dw = CpuData.Span(weightGrad))
            {
                nint xp = (nint)x, dyp = (nint)dy, pp = (nint)partials.Pointer;
                CpuParallel.For(items, item =>
                {
                    int b = item % blocks, group = item / blocks % g.Groups, chunk = item / blocks / g.Groups;
                    int c0 = b * block;
                    float* partial = (float*)pp + (nint)chunk * weightSize;
                    int s0 = chunk * batch / chunks, s1 = (chunk + 1) * batch / chunks, channels = Math.Min(block, plan.GroupIn - c0);
                    if (winogradGradient)
                        CpuWinograd.WeightGradient(isa, plan, (float*)xp, (float*)dyp, s0, s1, group, c0, channels, partial);
                    else if (plan.DirectWeightGradient(isa))
                        BackwardWeightsDirect(plan, (float*)xp, (float*)dyp, partial, s0, s1, group, c0, channels);
                    else
                        BackwardWeightsItem(isa, plan, (float*)xp, (float*)dyp, partial, s0, s1, group, c0, channels);
                });
                if (dense is null) AddPartials(partials.Pointer, chunks, weightSize, dw);
                else
                {
                    new Span<float>(dense.Pointer, weightSize).Clear();
                    AddPartials(partials.Pointer, chunks, weightSize, dense.Pointer);
                    CollapseTable(plan, dense.Pointer, dw);
                }
            }
        }
        finally
        {
            CpuScratch.Return(partials);
            if (dense is not null) CpuScratch.Return(dense);
        }
        if (biasGrad is not null) BiasGrad(outputGrad, biasGrad, plan);
    }

    /// <summary>
    /// Column chunks of the weight gradient are this many column budgets wide: its GEMM sums over the columns (they are
    /// its K), and longer sums update each C tile less often (measured on ResNet's 3x3 layers: 120 GFLOP/s at one budget,
    /// 142-161 at four, no better at eight).
    /// </summary>
    private const int WeightGradientBudgets = 4;

    /// <summary>
    /// partial[o, c · kv + tap] (the item's rows of the group's weight matrix) = Σ over samples [s0, s1), in order, and
    /// over column chunks, in order, of dY · colᵀ.
    /// </summary>
    private static void BackwardWeightsItem(GemmIsa isa, CpuConvolutionPlan plan, float* x, float* dy, float* partial, int s0, int s1, int group, int c0, int channels)
    {
        var g = plan.Geometry;
        float* pw = partial + (nint)group * plan.GroupOut * plan.Rows + c0 * plan.KernelVolume;
        int rows = channels * plan.KernelVolume, columns = plan.ColumnsFor(rows, WeightGradientBudgets), nr = Sgemm.PackedBColumns(isa);
        var col = plan.Path == CpuConvolutionPath.Pointwise ? null : CpuScratch.Rent((rows + nr - 1) / nr * nr * columns);
        try
        {
            float beta = 0f;
            for (int s = s0; s < s1; s++)
            {
                float* dys = dy + ((nint)s * g.OutChannels + group * plan.GroupOut) * plan.OutPlane;
                float* xs = x + ((nint)s * g.InChannels + group * plan.GroupIn + c0) * plan.InPlane;
                if (col is null)
                {
                    Sgemm.Multiply(isa, false, true, plan.GroupOut, channels, plan.OutPlane, 1f, dys, plan.OutPlane, xs, plan.InPlane, beta, pw, plan.Rows, parallel: false);
                    beta = 1f;
                    continue;
                }
                for (int q0 = 0; q0 < plan.OutPlane; q0 += columns)
                {
                    int n = Math.Min(columns, plan.OutPlane - q0);
                    // colᵀ: (n, rows) in GEMM B panels of nr columns
                    CpuIm2Col.GatherPanelsTransposed(plan, xs, channels, q0, n, nr, col.Pointer);
                    Sgemm.Multiply(isa, false, true, plan.GroupOut, rows, n, 1f, dys + q0, plan.OutPlane, null, n, beta, pw, plan.Rows, parallel: false,
                        packedB: col.Pointer);
                    beta = 1f;
                }
            }
        }
        finally
        {
            if (col is not null) CpuScratch.Return(col);
        }
    }

    /// <summary>
    /// The weight gradient of the item's rows as dot products (few output channels: im2col would cost more than the
    /// GEMM): per sample, the channels' zero-padded planes and the output gradient spread onto the same plane (zero in
    /// its extra columns), then partial[o, r] += Σ_p dY[o, p] · x[p + offset(r)] over the plane, four rows at a time in
    /// Vector512 lanes. Samples in order, each sum's lanes in a fixed order: the same bits at every run.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BackwardWeightsDirect(CpuConvolutionPlan plan, float* x, float* dy, float* partial, int s0, int s1, int group, int c0, int channels)
    {
        var g = plan.Geometry;
        int kv = plan.KernelVolume, span = (plan.PaddedSpan + 15) / 16 * 16, rows = channels * kv, channelLength = plan.PaddedChannel;
        float* pw = partial + (nint)group * plan.GroupOut * plan.Rows + c0 * kv;
        for (int o = 0; o < plan.GroupOut; o++) new Span<float>(pw + (nint)o * plan.Rows, rows).Clear();
        var padded = CpuScratch.Rent(channels * channelLength + span + PaddedSlack);
        var spread = CpuScratch.Rent(plan.GroupOut * span);
        try
        {
            float* xp = padded.Pointer, dyp = spread.Pointer;
            new Span<float>(xp + (nint)channels * channelLength, span + PaddedSlack).Clear();
            int first = c0 * channelLength; // the offsets count from the group's first channel
            for (int s = s0; s < s1; s++)
            {
                float* xs = x + ((nint)s * g.InChannels + group * plan.GroupIn + c0) * plan.InPlane;
                for (int c = 0; c < channels; c++) CpuIm2Col.SplitPhases(plan, xs + (nint)c * plan.InPlane, xp + (nint)c * channelLength);
                float* dys = dy + ((nint)s * g.OutChannels + group * plan.GroupOut) * plan.OutPlane;
                for (int o = 0; o < plan.GroupOut; o++) CpuIm2Col.SpreadColumns(plan, dys + (nint)o * plan.OutPlane, dyp + (nint)o * span, span);
                for (int o = 0; o < plan.GroupOut; o++)
                {
                    float* d = dyp + (nint)o * span, w = pw + (nint)o * plan.Rows;
                    int r = 0;
                    for (; r + 4 <= rows; r += 4)
                    {
                        float* a0 = xp + plan.PaddedOffsets[c0 * kv + r] - first, a1 = xp + plan.PaddedOffsets[c0 * kv + r + 1] - first;
                        float* a2 = xp + plan.PaddedOffsets[c0 * kv + r + 2] - first, a3 = xp + plan.PaddedOffsets[c0 * kv + r + 3] - first;
                        Vector512<float> s0v = default, s1v = default, s2v = default, s3v = default;
                        for (int p = 0; p < span; p += 16)
                        {
                            var v = Vector512.Load(d + p);
                            s0v = Vector512.FusedMultiplyAdd(v, Vector512.Load(a0 + p), s0v);
                            s1v = Vector512.FusedMultiplyAdd(v, Vector512.Load(a1 + p), s1v);
                            s2v = Vector512.FusedMultiplyAdd(v, Vector512.Load(a2 + p), s2v);
                            s3v = Vector512.FusedMultiplyAdd(v, Vector512.Load(a3 + p), s3v);
                        }
                        w[r] += Vector512.Sum(s0v);
                        w[r + 1] += Vector512.Sum(s1v);
                        w[r + 2] += Vector512.Sum(s2v);
                        w[r + 3] += Vector512.Sum(s3v);
                    }
                    for (; r < rows; r++)
                    {
                        float* a = xp + plan.PaddedOffsets[c0 * kv + r] - first;
                        Vector512<float> sum = default;
                        for (int p = 0; p < span; p += 16) sum = Vector512.FusedMultiplyAdd(Vector512.Load(d + p), Vector512.Load(a + p), sum);
                        w[r] += Vector512.Sum(sum);
                    }
                }
            }
        }
        finally
        {
            CpuScratch.Return(spread);
            CpuScratch.Return(padded);
        }
    }

    /// <summary>The dense (Cout, Cin · kv) weight matrix of a connection table: its kernels in place, zero elsewhere.</summary>
    /// <param name="table">(Connections, kv)</param>
    internal static float* ExpandTable(CpuConvolutionPlan plan, float* table, float* dense)
    {
        var g = plan.Geometry;
        int kv = plan.KernelVolume;
        new Span<float>(dense, g.OutChannels * plan.Rows).Clear();
        for (int o = 0; o < g.OutChannels; o++)
        {
            int[] inputs = g.InputsOf[o];
            for (int j = 0; j < inputs.Length; j++)
                new ReadOnlySpan<float>(table + (nint)(g.FirstConnection[o] + j) * kv, kv).CopyTo(new Span<float>(dense + (nint)o * plan.Rows + inputs[j] * kv, kv));
        }
        return dense;
    }

    /// <summary>tableGrad (Connections, kv) += the connected kernels of a dense (Cout, Cin · kv) gradient.</summary>
    private static void CollapseTable(CpuConvolutionPlan plan, float* dense, float* tableGrad)
    {
        var g = plan.Geometry;
        int kv = plan.KernelVolume;
        for (int o = 0; o < g.OutChannels; o++)
        {
            int[] inputs = g.InputsOf[o];
            for (int j = 0; j < inputs.Length; j++)
            {
                float* source = dense + (nint)o * plan.Rows + inputs[j] * kv, target = tableGrad + (nint)(g.FirstConnection[o] + j) * kv;
                for (int t = 0; t < kv; t++) target[t] += source[t];
            }
        }
    }

    /// <summary>weightGrad += partial 0 + partial 1 + ... in this order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddPartials(float* partials, int chunks, int size, float* weightGrad)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; i <= size - 16; i += 16)
            {
                var sum = Vector512.Load(partials + i);
                for (int c = 1; c < chunks; c++) sum += Vector512.Load(partials + (nint)c * size + i);
                Vector512.Store(Vector512.Load(weightGrad + i) + sum, weightGrad + i);
            }
        for (; i < size; i++)
        {
            float sum = partials[i];
            for (int c = 1; c < chunks; c++) sum += partials[(nint)c * size + i];
            weightGrad[i] += sum;
        }
    }

    /// <summary>biasGrad[o] += Σ over samples, in order, of the sum of each output-gradient plane (accumulated in double).</summary>
    private static void BiasGrad(Tensor outputGrad, Tensor biasGrad, CpuConvolutionPlan plan)
    {
        var g = plan.Geometry;
        int batch = outputGrad.Shape.N;
        var dy = CpuData.Of(outputGrad);
        var db = CpuData.Of(biasGrad);
        CpuParallel.For(g.OutChannels, o =>
        {
            double sum = 0;
            for (int s = 0; s < batch; s++) sum += PlaneSum(dy.AsSpan((s * g.OutChannels + o) * plan.OutPlane, plan.OutPlane));
            db[o] += (float)sum;
        });
    }

    /// <summary>Sum of a plane: four Vector512 (or scalar) partial sums in a fixed order, then added up in double.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double PlaneSum(ReadOnlySpan<float> plane)
    {
        int i = 0;
        double sum = 0;
        if (Vector512.IsHardwareAccelerated && plane.Length >= 64)
        {
            Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
            for (; i <= plane.Length - 64; i += 64)
            {
                s0 += Vector512.Create(plane.Slice(i, 16));
                s1 += Vector512.Create(plane.Slice(i + 16, 16));
                s2 += Vector512.Create(plane.Slice(i + 32, 16));
                s3 += Vector512.Create(plane.Slice(i + 48, 16));
            }
            var total = (s0 + s1) + (s2 + s3);
            for (int lane = 0; lane < 16; lane++) sum += total[lane];
        }
        for (; i < plane.Length; i++) sum += plane[i];
        return sum;
    }

    /// <summary>y[i] += value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddScalar(float value, float* y, int n)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var v = Vector512.Create(value);
            for (; i <= n - 16; i += 16) Vector512.Store(Vector512.Load(y + i) + v, y + i);
        }
        for (; i < n; i++) y[i] += value;
    }
}
