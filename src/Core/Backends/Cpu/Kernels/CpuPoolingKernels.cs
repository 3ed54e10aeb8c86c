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
        int inRow = g.Input.W, inSlice = g.Input.H * g.Input.W;
        Parallel.For(0, input.Shape.N * g.Channels, m =>
        {
            var inMap = x.AsSpan(m * inPlane, inPlane);
            var outMap = y.AsSpan(m * outPlane, outPlane);
            var indexMap = idx.AsSpan(m * outPlane, outPlane);
            int o = 0;
            for (int od = 0; od < d.Length; od++)
            for (int oh = 0; oh < h.Length; oh++)
            for (int ow = 0; ow < w.Length; ow++, o++)
            {
                float best = float.NegativeInfinity;
                int bestIndex = -1;
                for (int kd = d.First[od]; kd < d.End[od] && !float.IsNaN(best); kd++)
                for (int kh = h.First[oh], id = d.Start[od] + kd * g.Dilation.D; kh < h.End[oh] && !float.IsNaN(best); kh++)
                {
                    int row = id * inSlice + (h.Start[oh] + kh * g.Dilation.H) * inRow + w.Start[ow];
                    for (int kw = w.First[ow]; kw < w.End[ow]; kw++)
                    {
                        int at = row + kw * g.Dilation.W;
                        float v = inMap[at];
                        if (v > best || bestIndex < 0 || float.IsNaN(v))
                        {
                            best = v;
                            bestIndex = at;
                            if (float.IsNaN(v)) break;
                        }
                    }
                }
                outMap[o] = best;
                indexMap[o] = Math.Max(0, bestIndex); // a window with no tap inside the input (dilation can make one): -inf at 0
            }
        });
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
