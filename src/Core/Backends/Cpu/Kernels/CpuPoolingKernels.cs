using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using MlNetConv.Geometry;
using MlNetConv.Tensors;

namespace MlNetConv.Backends.Cpu.Kernels;

/// <summary>
/// The CPU backend's pooling: max pooling walks each window over ranges of taps computed once per output row, column
/// and depth instead of listing every tap of every window, 16 windows at a time inside the input; the other kinds are the
/// reference kernels'.
/// </summary>
internal sealed class CpuPoolingKernels : CpuReferencePoolingKernels
{
    /// <summary>
    /// The reference's result exactly: taps in (depth, row, column) order, the first maximum wins, NaN wins and ends the
    /// window, so the same values and the same indices (for every window with a tap inside the input).
    /// </summary>
    public override void MaxForward(PoolGeometry g, Tensor input, Tensor output, IndexTensor indices)
    {
        g.CheckArguments("max forward", input.Shape, output.Shape, indices.Shape);
        var x = CpuData.Of(input);
        var y = CpuData.Of(output);
        var idx = CpuData.Of(indices);
        int inPlane = g.Input.Volume, outPlane = g.Output.Volume;
        var d = TapRange.For(g.Output.D, g.Input.D, g.Kernel.D, g.Stride.D, g.PadBegin.D, g.Dilation.D);
        var h = TapRange.For(g.Output.H, g.Input.H, g.Kernel.H, g.Stride.H, g.PadBegin.H, g.Dilation.H);
        var w = TapRange.For(g.Output.W, g.Input.W, g.Kernel.W, g.Stride.W, g.PadBegin.W, g.Dilation.W);
        CpuParallel.For(input.Shape.N * g.Channels, m =>
            MaxMap(g, d, h, w, x.AsSpan(m * inPlane, inPlane), y.AsSpan(m * outPlane, outPlane), idx.AsSpan(m * outPlane, outPlane)));
    }

    /// <summary>
    /// One (sample, channel) map: every output's window over its tap ranges along depth, rows and columns. Along each
    /// output row, the outputs whose columns all lie inside the input go 16 at a time in Vector512 lanes when the column
    /// stride is 1 or 2 (the last 16 overlapping the ones before when the run is not a multiple of 16, or lanes past a
    /// shorter row dropped); the others, at the edges, one at a time.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MaxMap(PoolGeometry g, TapRange d, TapRange h, TapRange w, ReadOnlySpan<float> inMap, Span<float> outMap, Span<int> indexMap)
    {
        int inRow = g.Input.W, inSlice = g.Input.H * g.Input.W;
        int dilationD = g.Dilation.D * inSlice, dilationH = g.Dilation.H * inRow, dilationW = g.Dilation.W;
        // Outputs [inside, insideEnd) of a row have every column tap inside the input.
        int inside = 0, insideEnd = w.Length;
        while (inside < w.Length && w.First[inside] != 0) inside++;
        while (insideEnd > inside && w.End[insideEnd - 1] != g.Kernel.W) insideEnd--;
        if (!Vector512.IsHardwareAccelerated || g.Stride.W is not (1 or 2) || insideEnd - inside < 2) inside = insideEnd = 0;
        // The farthest a group of 16 lanes reads past its first tap: a row shorter than 16 outputs takes 16 lanes too
        // (those past the row read the next row and are dropped) while that stays inside the map.
        int reach = 15 * g.Stride.W + (g.Kernel.W - 1) * dilationW;
        Span<float> values = stackalloc float[16];
        Span<int> indices = stackalloc int[16];
        int o = 0;
        for (int od = 0; od < d.Length; od++)
        for (int oh = 0; oh < h.Length; oh++, o += w.Length)
        {
            int planeRow = d.Start[od] * inSlice + h.Start[oh] * inRow;
            int kd0 = d.First[od], kd1 = d.End[od], kh0 = h.First[oh], kh1 = h.End[oh];
            bool lanes = insideEnd > inside && kd0 < kd1 && kh0 < kh1;
            for (int ow = 0; ow < w.Length; ow++)
            {
                if (lanes && ow == inside)
                {
                    if (insideEnd - inside < 16)
                    {
                        int origin = planeRow + w.Start[inside];
                        if (origin + (kd1 - 1) * dilationD + (kh1 - 1) * dilationH + reach >= inMap.Length)
                        {
                            lanes = false; // the map's last rows: one window at a time
                            ow--;
                            continue;
                        }
                        MaxLanes(g, inMap, origin, kd0, kd1, kh0, kh1, dilationD, dilationH, dilationW, values, indices);
                        values[..(insideEnd - inside)].CopyTo(outMap.Slice(o + inside));
                        indices[..(insideEnd - inside)].CopyTo(indexMap.Slice(o + inside));
                    }
                    else
                        for (; ow < insideEnd; ow += 16)
                        {
                            int at = Math.Min(ow, insideEnd - 16);
                            MaxLanes(g, inMap, planeRow + w.Start[at], kd0, kd1, kh0, kh1, dilationD, dilationH, dilationW, outMap.Slice(o + at, 16),
                                indexMap.Slice(o + at, 16));
                        }
                    ow = insideEnd - 1;
                    continue;
                }
                MaxOne(inMap, planeRow + w.Start[ow], kd0, kd1, kh0, kh1, w.First[ow], w.End[ow], dilationD, dilationH, dilationW, out outMap[o + ow],
                    out indexMap[o + ow]);
            }
        }
    }

    /// <summary>
    /// 16 neighbouring windows of one output row, all of whose columns lie inside the input, whose first taps start at
    /// origin + lane · stride: the same comparisons as <see cref="MaxOne"/> lane by lane. A tap replaces the best so far
    /// when strictly greater, or when it is NaN and the best is not (so the first NaN wins and nothing replaces it).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MaxLanes(PoolGeometry g, ReadOnlySpan<float> inMap, int origin, int kd0, int kd1, int kh0, int kh1,
        int dilationD, int dilationH, int dilationW, Span<float> outValues, Span<int> outIndices)
    {
        int stride = g.Stride.W;
        var lane = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15) * stride;
        int first = origin + kd0 * dilationD + kh0 * dilationH;
        var best = Load(inMap, first, stride);
        var bestIndex = lane + Vector512.Create(first);
        for (int kd = kd0; kd < kd1; kd++)
        for (int kh = kh0; kh < kh1; kh++)
        {
            int row = origin + kd * dilationD + kh * dilationH;
            for (int kw = 0; kw < g.Kernel.W; kw++)
            {
                int at = row + kw * dilationW;
                if (at == first) continue;
                var v = Load(inMap, at, stride);
                var take = Vector512.GreaterThan(v, best) | Vector512.AndNot(Vector512.IsNaN(v), Vector512.IsNaN(best));
                best = Vector512.ConditionalSelect(take, v, best);
                bestIndex = Vector512.ConditionalSelect(take.AsInt32(), lane + Vector512.Create(at), bestIndex);
            }
        }
        best.CopyTo(outValues);
        bestIndex.CopyTo(outIndices);
    }

    /// <summary>inMap[at + lane · stride] for 16 lanes (stride 1 or 2), never reading past the last of them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Load(ReadOnlySpan<float> inMap, int at, int stride)
    {
        if (stride == 1) return Vector512.Create(inMap.Slice(at, 16));
        // Even values of [at, at + 31): the upper load starts one early, so its odd lanes hold at + 16, at + 18, ...
        var shifted = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 17, 19, 21, 23, 25, 27, 29, 31);
        return Avx512F.PermuteVar16x32x2(Vector512.Create(inMap.Slice(at, 16)), shifted, Vector512.Create(inMap.Slice(at + 15, 16)));
    }

    /// <summary>One window over its tap ranges, branch-free (which tap wins depends on the data, so a branch would be mispredicted).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MaxOne(ReadOnlySpan<float> inMap, int origin, int kd0, int kd1, int kh0, int kh1, int kw0, int kw1,
        int dilationD, int dilationH, int dilationW, out float value, out int index)
    {
        if (kd0 >= kd1 || kh0 >= kh1 || kw0 >= kw1)
        {
            // a window with no tap inside the input (dilation can make one): -inf at 0
            value = float.NegativeInfinity;
            index = 0;
            return;
        }
        // best starts at the first tap; a later tap replaces it only when strictly greater (the first maximum wins).
        int bestIndex = origin + kd0 * dilationD + kh0 * dilationH + kw0 * dilationW;
        var best = Vector128.CreateScalarUnsafe(inMap[bestIndex]);
        bool nan = false;
        for (int kd = kd0; kd < kd1; kd++)
        for (int kh = kh0; kh < kh1; kh++)
        {
            int row = origin + kd * dilationD + kh * dilationH;
            for (int kw = kw0; kw < kw1; kw++)
            {
                int at = row + kw * dilationW;
                var v = Vector128.CreateScalarUnsafe(inMap[at]);
                nan |= float.IsNaN(v.ToScalar());
                var greater = Vector128.GreaterThan(v, best);
                best = Vector128.ConditionalSelect(greater, v, best);
                int take = greater.AsInt32().ToScalar(); // all ones or zero
                bestIndex = (at & take) | (bestIndex & ~take);
            }
        }
        value = best.ToScalar();
        index = bestIndex;
        if (nan) (value, index) = FirstNaN(inMap, origin, kd0, kd1, kh0, kh1, kw0, kw1, dilationD, dilationH, dilationW);
    }

    /// <summary>A window with NaN: the first NaN in tap order wins, as in the reference.</summary>
    private static (float, int) FirstNaN(ReadOnlySpan<float> inMap, int origin, int kd0, int kd1, int kh0, int kh1, int kw0, int kw1,
        int dilationD, int dilationH, int dilationW)
    {
        for (int kd = kd0; kd < kd1; kd++)
        for (int kh = kh0; kh < kh1; kh++)
        for (int kw = kw0; kw < kw1; kw++)
        {
            int at = origin + kd * dilationD + kh * dilationH + kw * dilationW;
            if (float.IsNaN(inMap[at])) return (inMap[at], at);
        }
        throw new InvalidOperationException("FirstNaN: the window has no NaN.");
    }

    /// <summary>
    /// Along one axis, for each output position: the window's first input coordinate (Start, possibly in the padding)
    /// and the taps [First, End) whose coordinate Start + k · dilation lies inside the input.
    /// </summary>
    private readonly record struct TapRange(int[] Start, int[] First, int[] End)
    {
        public int Length => Start.Length;

        public static TapRange For(int outputs, int inputs, int kernel, int stride, int padBegin, int dilation)
        {
            var range = new TapRange(new int[outputs], new int[outputs], new int[outputs]);
            for (int o = 0; o < outputs; o++)
            {
                int start = o * stride - padBegin, first = 0, end = kernel;
                while (first < kernel && start + first * dilation < 0) first++;
                while (end > first && start + (end - 1) * dilation >= inputs) end--;
                (range.Start[o], range.First[o], range.End[o]) = (start, first, end);
            }
            return range;
        }
    }
}
