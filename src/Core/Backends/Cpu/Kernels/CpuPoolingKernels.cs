using System.Runtime.Intrinsics;
using MlNetConv.Geometry;
using MlNetConv.Tensors;

namespace MlNetConv.Backends.Cpu.Kernels;

/// <summary>
/// The CPU backend's pooling: max pooling walks each window over ranges of taps computed once per output row, column
/// and depth instead of listing every tap of every window; the other kinds are the reference kernels'.
/// </summary>
internal sealed class CpuPoolingKernels : CpuReferencePoolingKernels
{
    /// <summary>
    /// The reference's result exactly: taps in (depth, row, column) order, the first maximum wins, NaN wins and ends the
    /// window, so the same values and the same indices (for every window with a tap inside the input).
    /// </summary>
    public override void MaxForward(PoolGeometry g, Tensor input, Tensor output, IndexTensor indices)
    {
        var x = CpuData.Of(input);
        var y = CpuData.Of(output);
        var idx = CpuData.Of(indices);
        int inPlane = g.Input.Volume, outPlane = g.Output.Volume;
        var d = TapRange.For(g.Output.D, g.Input.D, g.Kernel.D, g.Stride.D, g.PadBegin.D, g.Dilation.D);
        var h = TapRange.For(g.Output.H, g.Input.H, g.Kernel.H, g.Stride.H, g.PadBegin.H, g.Dilation.H);
        var w = TapRange.For(g.Output.W, g.Input.W, g.Kernel.W, g.Stride.W, g.PadBegin.W, g.Dilation.W);
        Parallel.For(0, input.Shape.N * g.Channels, m =>
            MaxMap(g, d, h, w, x.AsSpan(m * inPlane, inPlane), y.AsSpan(m * outPlane, outPlane), idx.AsSpan(m * outPlane, outPlane)));
    }

    /// <summary>One (sample, channel) map: every output's window over its tap ranges along depth, rows and columns.</summary>
    private static void MaxMap(PoolGeometry g, TapRange d, TapRange h, TapRange w, ReadOnlySpan<float> inMap, Span<float> outMap, Span<int> indexMap)
    {
        int inRow = g.Input.W, inSlice = g.Input.H * g.Input.W;
        int dilationD = g.Dilation.D * inSlice, dilationH = g.Dilation.H * inRow, dilationW = g.Dilation.W;
        int o = 0;
        for (int od = 0; od < d.Length; od++)
        for (int oh = 0; oh < h.Length; oh++)
        {
            int planeRow = d.Start[od] * inSlice + h.Start[oh] * inRow;
            int kd0 = d.First[od], kd1 = d.End[od], kh0 = h.First[oh], kh1 = h.End[oh];
            for (int ow = 0; ow < w.Length; ow++, o++)
            {
                int origin = planeRow + w.Start[ow], kw0 = w.First[ow], kw1 = w.End[ow];
                if (kd0 >= kd1 || kh0 >= kh1 || kw0 >= kw1)
                {
                    // a window with no tap inside the input (dilation can make one): -inf at 0
                    outMap[o] = float.NegativeInfinity;
                    indexMap[o] = 0;
                    continue;
                }
                // Branch-free: which tap wins depends on the data, so a branch would be mispredicted about every other tap.
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
                float value = best.ToScalar();
                if (nan) (value, bestIndex) = FirstNaN(inMap, origin, kd0, kd1, kh0, kh1, kw0, kw1, dilationD, dilationH, dilationW);
                outMap[o] = value;
                indexMap[o] = bestIndex;
            }
        }
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
