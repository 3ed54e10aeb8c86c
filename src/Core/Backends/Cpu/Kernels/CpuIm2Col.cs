using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using MlNetConv.Backends.Cpu.Gemm;

namespace MlNetConv.Backends.Cpu.Kernels;

/// <summary>
/// im2col and col2im over a range of output positions: row (c, tap) of col holds, for each output position, the input
/// value that tap reads in channel c (zero in the padding). Output positions are walked output row by output row, so
/// along a row each tap reads one contiguous run of the input when the stride is 1. The columns are written straight
/// into the GEMM's packed B panels (as col for the forward, as colᵀ for the weight gradient); col2im reads a plain
/// row-major col.
/// </summary>
internal static unsafe class CpuIm2Col
{
    /// <summary>Marks a tap whose input row lies in the padding.</summary>
    private const int Outside = int.MinValue;

    /// <summary>
    /// col (channels · kv x n) for output positions [q0, q0 + n), in GEMM B panels: panel j holds positions
    /// [q0 + j·nr, +nr) as channels · kv rows of nr values, positions past q0 + n zero. Walked by (panel, output row,
    /// tap) so that the input row offset is found once for all channels, and each channel is one short contiguous copy.
    /// </summary>
    /// <param name="input">(channels, inPlane): the first of the channels</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void GatherPanels(CpuConvolutionPlan plan, float* input, int channels, int q0, int n, int nr, float* panels)
    {
        var g = plan.Geometry;
        int outW = g.Output.W, kv = plan.KernelVolume, rows = channels * kv, strideW = g.Stride.W;
        var (inD, inH, inW) = g.Input;
        nint inPlane = plan.InPlane;
        for (int start = 0; start < n; start += nr, panels += (nint)rows * nr)
        {
            int width = Math.Min(nr, n - start), q = q0 + start;
            int row = q / outW, ow = q - row * outW, od = row / g.Output.H, oh = row - od * g.Output.H;
            for (int c = 0; c < width;)
            {
                int len = Math.Min(outW - ow, width - c);
                for (int t = 0; t < kv; t++)
                {
                    var tap = plan.Taps[t];
                    int id = od * g.Stride.D - g.PadBegin.D + tap.Kd * g.Dilation.D;
                    int ih = oh * g.Stride.H - g.PadBegin.H + tap.Kh * g.Dilation.H;
                    int lo = Math.Max(ow, tap.ValidStart), hi = Math.Min(ow + len, tap.ValidEnd);
                    float* d = panels + (nint)t * nr + c - ow;
                    nint step = (nint)kv * nr;
                    if ((uint)id >= (uint)inD || (uint)ih >= (uint)inH || hi <= lo)
                    {
                        for (int ci = 0; ci < channels; ci++, d += step) Zero(d + ow, len);
                        continue;
                    }
                    float* src = input + (id * inH + ih) * inW - g.PadBegin.W + tap.Kw * g.Dilation.W;
                    for (int ci = 0; ci < channels; ci++, d += step, src += inPlane)
                    {
                        if (lo > ow) Zero(d + ow, lo - ow);
                        if (strideW == 1) Copy(src + lo, d + lo, hi - lo);
                        else if (strideW == 2) CopyEven(src + 2 * lo, d + lo, hi - lo);
                        else
                            for (int w = lo; w < hi; w++) d[w] = src[w * strideW];
                        if (hi < ow + len) Zero(d + hi, ow + len - hi);
                    }
                }
                c += len;
                ow = 0;
                if (++oh == g.Output.H)
                {
                    oh = 0;
                    od++;
                }
            }
            if (width < nr)
                for (int r = 0; r < rows; r++) new Span<float>(panels + (nint)r * nr + width, nr - width).Clear();
        }
    }

    /// <summary>
    /// One input plane into the phase planes of its zero-padded copy (<see cref="CpuConvolutionPlan.PhasePlane"/>):
    /// phase (rd, rh, rw) holds padded (qd · sD + rd, qh · sH + rh, qw · sW + rw) at (qd, qh, qw), zero past the input.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SplitPhases(CpuConvolutionPlan plan, float* plane, float* phases)
    {
        var g = plan.Geometry;
        var (inD, inH, inW) = g.Input;
        var (sd, sh, sw) = g.Stride;
        var q = plan.PhasePlane;
        for (int rd = 0; rd < sd; rd++)
        for (int rh = 0; rh < sh; rh++)
        for (int rw = 0; rw < sw; rw++)
        {
            // Phase columns qw read input column qw · sW + rw - padW: those inside the input form the run [lo, hi).
            int offset = rw - g.PadBegin.W, lo = Math.Clamp(CeilDiv(-offset, sw), 0, q.W), hi = Math.Clamp(CeilDiv(inW - offset, sw), lo, q.W);
            for (int qd = 0; qd < q.D; qd++)
            for (int qh = 0; qh < q.H; qh++, phases += q.W)
            {
                int id = qd * sd + rd - g.PadBegin.D, ih = qh * sh + rh - g.PadBegin.H;
                if ((uint)id >= (uint)inD || (uint)ih >= (uint)inH || hi == lo)
                {
                    Zero(phases, q.W);
                    continue;
                }
                float* row = plane + ((nint)id * inH + ih) * inW + offset;
                Zero(phases, lo);
                if (sw == 1) Copy(row + lo, phases + lo, hi - lo);
                else if (sw == 2) CopyEven(row + 2 * lo, phases + lo, hi - lo);
                else
                    for (int w = lo; w < hi; w++) phases[w] = row[w * sw];
                Zero(phases + hi, q.W - hi);
            }
        }
    }

    private static int CeilDiv(int a, int b) => a >= 0 ? (a + b - 1) / b : -(-a / b);

    /// <summary>
    /// y[o, position] = tile[o, p - q0] for the phase-plane positions p in [q0, q0 + n) that are outputs (the plane's
    /// extra columns and rows are dropped).
    /// </summary>
    /// <param name="tile">(count, ldc)</param>
    /// <param name="epilogue">its residual part, applied to each run in place (<paramref name="channel"/>: the first row's channel)</param>
    /// <param name="y">(count, OutPlane): the first of the output planes</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void UnpadColumns(CpuConvolutionPlan plan, float* tile, int ldc, int count, int q0, int n, CpuEpilogue epilogue, int channel, float* y)
    {
        var o = plan.Geometry.Output;
        var p = plan.PhasePlane;
        int rowStart = q0 / p.W * p.W;
        for (int start = rowStart; start < q0 + n; start += p.W)
        {
            int row = start / p.W, od = row / p.H, oh = row - od * p.H;
            int lo = Math.Max(start, q0), hi = Math.Min(Math.Min(start + o.W, q0 + n), start + p.W);
            if (oh >= o.H || hi <= lo) continue;
            nint at = ((nint)od * o.H + oh) * o.W + lo - start;
            for (int c = 0; c < count; c++)
            {
                float* target = y + (nint)c * plan.OutPlane + at;
                Copy(tile + (nint)c * ldc + lo - q0, target, hi - lo);
                epilogue.ApplyResidual(target, hi - lo, channel + c);
            }
        }
    }

    /// <summary>
    /// The inverse of <see cref="UnpadColumns"/> for one channel: an output plane spread onto the positions of a phase
    /// plane, zero at the plane's extra columns and rows and up to <paramref name="length"/>.
    /// </summary>
    /// <param name="plane">(OutPlane)</param>
    /// <param name="spread">(length), length ≥ PaddedSpan</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SpreadColumns(CpuConvolutionPlan plan, float* plane, float* spread, int length)
    {
        var o = plan.Geometry.Output;
        var p = plan.PhasePlane;
        Zero(spread, length);
        for (int od = 0; od < o.D; od++)
        for (int oh = 0; oh < o.H; oh++)
            Copy(plane + ((nint)od * o.H + oh) * o.W, spread + ((nint)od * p.H + oh) * p.W, o.W);
    }

    /// <summary>
    /// <see cref="GatherPanels"/> for panels eight positions wide (the A panels of the positions-as-rows forward): per panel
    /// and tap, the eight input offsets and which of them lie inside the input are found once, then each channel's eight
    /// values are one plain load where they are neighbours in one row, else one masked AVX2 gather, whatever the stride,
    /// dilation, padding or row breaks (small maps break rows inside many panels, which would cut copies into short runs).
    /// </summary>
    /// <param name="input">(channels, inPlane): the first of the channels</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void GatherPanels8(CpuConvolutionPlan plan, float* input, int channels, int q0, int n, float* panels)
    {
        const int Lanes = 8;
        var g = plan.Geometry;
        int kv = plan.KernelVolume, outW = g.Output.W, outH = g.Output.H;
        var (inD, inH, inW) = g.Input;
        int* d0 = stackalloc int[Lanes], h0 = stackalloc int[Lanes], w0 = stackalloc int[Lanes];
        int* offsets = stackalloc int[Lanes];
        float* mask = stackalloc float[Lanes];
        nint inPlane = plan.InPlane, step = (nint)kv * Lanes;
        for (int start = 0; start < n; start += Lanes, panels += (nint)channels * kv * Lanes)
        {
            // The first input coordinate of each lane's window; lanes past n read nothing.
            for (int lane = 0; lane < Lanes; lane++)
            {
                int q = q0 + start + lane, row = q / outW, od = row / outH;
                d0[lane] = od * g.Stride.D - g.PadBegin.D;
                h0[lane] = (row - od * outH) * g.Stride.H - g.PadBegin.H;
                w0[lane] = (q - row * outW) * g.Stride.W - g.PadBegin.W;
                if (start + lane >= n) d0[lane] = int.MinValue / 2;
            }
            for (int t = 0; t < kv; t++)
            {
                var tap = plan.Taps[t];
                for (int lane = 0; lane < Lanes; lane++)
                {
                    int id = d0[lane] + tap.Kd * g.Dilation.D, ih = h0[lane] + tap.Kh * g.Dilation.H, iw = w0[lane] + tap.Kw * g.Dilation.W;
                    bool inside = (uint)id < (uint)inD && (uint)ih < (uint)inH && (uint)iw < (uint)inW;
                    offsets[lane] = inside ? (id * inH + ih) * inW + iw : 0;
                    mask[lane] = inside ? BitConverter.Int32BitsToSingle(-1) : 0f;
                }
                var index = Vector256.Load(offsets);
                var valid = Vector256.Load(mask);
                float* src = input, d = panels + (nint)t * Lanes;
                // Eight neighbours of one row, all inside: a plain load serves (most taps of a wide map's panels).
                bool run = Vector256.EqualsAll(index, Vector256.Create(offsets[0]) + Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7))
                    && Vector256.EqualsAll(valid.AsInt32(), Vector256<int>.AllBitsSet);
                if (run)
                    for (int c = 0; c < channels; c++, src += inPlane, d += step) Vector256.Store(Vector256.Load(src + offsets[0]), d);
                else
                    for (int c = 0; c < channels; c++, src += inPlane, d += step)
                        Vector256.Store(Avx2.GatherMaskVector256(Vector256<float>.Zero, src, index, valid, 4), d);
            }
        }
    }

    /// <summary>
    /// colᵀ for the weight gradient, straight into GEMM B panels: op(B) is (n positions x channels · kv rows of col), so
    /// panel j holds rows [j·nr, +nr) of col as n lines of nr values (one line per output position), rows past the last
    /// zero. Eight rows by eight positions at a time are loaded along the input and transposed in registers (stride 1,
    /// all eight inside the input); padding, borders and other strides go one value at a time.
    /// </summary>
    /// <param name="input">(channels, inPlane): the first of the channels</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void GatherPanelsTransposed(CpuConvolutionPlan plan, float* input, int channels, int q0, int n, int nr, float* panels)
    {
        var g = plan.Geometry;
        int outW = g.Output.W, kv = plan.KernelVolume, rows = channels * kv, strideW = g.Stride.W;
        var (inD, inH, inW) = g.Input;
        nint panelSize = (nint)n * nr;
        bool blocks = strideW == 1 && Avx.IsSupported && nr % 8 == 0;
        // Per tap, for the current output row: where output column 0 reads in a channel plane (it may lie before the
        // plane: only the tap's valid columns are read), or Outside when the input row is in the padding.
        int* tapRow = stackalloc int[kv];
        float** src = stackalloc float*[8];
        int* first = stackalloc int[8];
        int* end = stackalloc int[8];
        int row = q0 / outW, ow = q0 - row * outW, od = row / g.Output.H, oh = row - od * g.Output.H;
        for (int k = 0; k < n;)
        {
            int len = Math.Min(outW - ow, n - k);
            for (int t = 0; t < kv; t++)
            {
                var tap = plan.Taps[t];
                int id = od * g.Stride.D - g.PadBegin.D + tap.Kd * g.Dilation.D;
                int ih = oh * g.Stride.H - g.PadBegin.H + tap.Kh * g.Dilation.H;
                tapRow[t] = (uint)id < (uint)inD && (uint)ih < (uint)inH ? (id * inH + ih) * inW - g.PadBegin.W + tap.Kw * g.Dilation.W : Outside;
            }
            // Line k + w - ow of every panel holds output column w of this output row.
            float* line = panels + (nint)(k - ow) * nr;
            int r0 = 0;
            if (blocks)
                for (; r0 + 8 <= rows; r0 += 8)
                {
                    // Each of the eight rows reads input columns [first[i], end[i]) of this output row; all eight together
                    // go through the register transpose, the columns where some row reads padding one by one.
                    int lo = ow, hi = ow + len;
                    for (int i = 0, r = r0; i < 8; i++, r++)
                    {
                        int t = r % kv;
                        var tap = plan.Taps[t];
                        src[i] = input + (nint)(r / kv) * plan.InPlane + tapRow[t];
                        first[i] = tapRow[t] == Outside ? ow : Math.Max(ow, tap.ValidStart);
                        end[i] = tapRow[t] == Outside ? ow : Math.Min(ow + len, tap.ValidEnd);
                        lo = Math.Max(lo, first[i]);
                        hi = Math.Min(hi, end[i]);
                    }
                    float* block = line + (nint)(r0 / nr) * panelSize + r0 % nr;
                    if (hi - lo < 8) lo = hi = ow + len;
                    for (int w = ow; w < lo; w++) Column(src, first, end, w, block + (nint)w * nr);
                    // Blocks of eight columns from lo; the last one ends at hi, overlapping its predecessor (same values).
                    for (int w = lo; w < hi; w += 8)
                    {
                        int at = Math.Min(w, hi - 8);
                        GemmPacking.Transpose8x8(Avx.LoadVector256(src[0] + at), Avx.LoadVector256(src[1] + at), Avx.LoadVector256(src[2] + at),
                            Avx.LoadVector256(src[3] + at), Avx.LoadVector256(src[4] + at), Avx.LoadVector256(src[5] + at),
                            Avx.LoadVector256(src[6] + at), Avx.LoadVector256(src[7] + at), block + (nint)at * nr, nr);
                    }
                    for (int w = Math.Max(lo, hi); w < ow + len; w++) Column(src, first, end, w, block + (nint)w * nr);
                }
            ScalarRows(plan, input, tapRow, r0, rows, ow, ow + len, line, nr, panelSize);
            k += len;
            ow = 0;
            if (++oh == g.Output.H)
            {
                oh = 0;
                od++;
            }
        }
        if (rows % nr != 0)
        {
            float* last = panels + (nint)(rows / nr) * panelSize;
            for (int k = 0; k < n; k++) new Span<float>(last + (nint)k * nr + rows % nr, nr - rows % nr).Clear();
        }
    }

    /// <summary>One output column w of eight rows: d[i] = row i's input value at w, or 0 where it reads padding.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Column(float** src, int* first, int* end, int w, float* d)
    {
        for (int i = 0; i < 8; i++) d[i] = w >= first[i] && w < end[i] ? src[i][w] : 0f;
    }

    /// <summary>Rows [r0, r1) of colᵀ for output columns [w0, w1) of the current output row, one value at a time.</summary>
    /// <param name="line">where output column 0 of the row would go in panel 0</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ScalarRows(CpuConvolutionPlan plan, float* input, int* tapRow, int r0, int r1, int w0, int w1, float* line, int nr, nint panelSize)
    {
        int kv = plan.KernelVolume, strideW = plan.Geometry.Stride.W;
        for (int r = r0; r < r1; r++)
        {
            int t = r % kv;
            var tap = plan.Taps[t];
            float* d = line + (nint)(r / nr) * panelSize + r % nr;
            float* src = input + (nint)(r / kv) * plan.InPlane + tapRow[t];
            int lo = Math.Max(w0, tap.ValidStart), hi = Math.Min(w1, tap.ValidEnd);
            if (tapRow[t] == Outside || hi < lo) lo = hi = w1;
            int w = w0;
            for (; w < lo; w++) d[(nint)w * nr] = 0f;
            for (; w < hi; w++) d[(nint)w * nr] = src[w * strideW];
            for (; w < w1; w++) d[(nint)w * nr] = 0f;
        }
    }

    /// <summary>
    /// col2im: inputGrad += each value of a plain col (channels · kv x (q1 - q0)) sent back to the input element its
    /// tap read (the adjoint of the gathers).
    /// </summary>
    /// <param name="inputGrad">(channels, inPlane): the first of the channels</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ScatterAdd(CpuConvolutionPlan plan, float* col, int channels, int q0, int q1, float* inputGrad)
    {
        var g = plan.Geometry;
        int n = q1 - q0, outW = g.Output.W;
        var (inD, inH, inW) = g.Input;
        int startRow = q0 / outW, startW = q0 - startRow * outW;
        for (int c = 0; c < channels; c++)
        {
            float* plane = inputGrad + (nint)c * plan.InPlane;
            for (int t = 0; t < plan.KernelVolume; t++)
            {
                var tap = plan.Taps[t];
                float* src = col + ((nint)c * plan.KernelVolume + t) * n;
                int od = startRow / g.Output.H, oh = startRow - od * g.Output.H, ow = startW;
                for (int q = 0; q < n;)
                {
                    int len = Math.Min(outW - ow, n - q);
                    int id = od * g.Stride.D - g.PadBegin.D + tap.Kd * g.Dilation.D;
                    int ih = oh * g.Stride.H - g.PadBegin.H + tap.Kh * g.Dilation.H;
                    int lo = Math.Max(ow, tap.ValidStart), hi = Math.Min(ow + len, tap.ValidEnd);
                    if ((uint)id < (uint)inD && (uint)ih < (uint)inH && hi > lo)
                    {
                        float* dst = plane + (id * inH + ih) * inW - g.PadBegin.W + tap.Kw * g.Dilation.W;
                        float* s = src + q - ow;
                        if (g.Stride.W == 1) Add(s + lo, dst + lo, hi - lo);
                        else
                            for (int w = lo; w < hi; w++) dst[w * g.Stride.W] += s[w];
                    }
                    q += len;
                    ow = 0;
                    if (++oh == g.Output.H)
                    {
                        oh = 0;
                        od++;
                    }
                }
            }
        }
    }

    /// <summary>y[i] += x[i].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Add(float* x, float* y, int n)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; i <= n - 16; i += 16) Vector512.Store(Vector512.Load(y + i) + Vector512.Load(x + i), y + i);
        if (Vector256.IsHardwareAccelerated)
            for (; i <= n - 8; i += 8) Vector256.Store(Vector256.Load(y + i) + Vector256.Load(x + i), y + i);
        for (; i < n; i++) y[i] += x[i];
    }

    /// <summary>dst[i] = src[i] for a short run (at most a panel wide).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Copy(float* src, float* dst, int n)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; i <= n - 16; i += 16) Vector512.Store(Vector512.Load(src + i), dst + i);
        if (Vector256.IsHardwareAccelerated)
            for (; i <= n - 8; i += 8) Vector256.Store(Vector256.Load(src + i), dst + i);
        if (Vector128.IsHardwareAccelerated)
            for (; i <= n - 4; i += 4) Vector128.Store(Vector128.Load(src + i), dst + i);
        for (; i < n; i++) dst[i] = src[i];
    }

    /// <summary>dst[i] = src[2i] for i in [0, n) (stride-2 convolutions): 16 at a time from two loads, never reading past src[2(n - 1)].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyEven(float* src, float* dst, int n)
    {
        int i = 0;
        if (Avx512F.IsSupported)
        {
            var even = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
            // The two loads reach src[2i + 31]: stay at least one output short of n so that it is inside the run.
            for (; i <= n - 17; i += 16)
                Avx512F.PermuteVar16x32x2(Vector512.Load(src + 2 * i), even, Vector512.Load(src + 2 * i + 16)).Store(dst + i);
            if (i <= n - 16)
            {
                // The last 16 exactly: the upper load starts one value earlier, so its odd lanes hold the even values.
                var shifted = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 17, 19, 21, 23, 25, 27, 29, 31);
                Avx512F.PermuteVar16x32x2(Vector512.Load(src + 2 * i), shifted, Vector512.Load(src + 2 * i + 15)).Store(dst + i);
                i += 16;
            }
        }
        for (; i < n; i++) dst[i] = src[2 * i];
    }

    /// <summary>dst[i] = 0 for a short run (at most a panel wide).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Zero(float* dst, int n)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; i <= n - 16; i += 16) Vector512.Store(Vector512<float>.Zero, dst + i);
        if (Vector256.IsHardwareAccelerated)
            for (; i <= n - 8; i += 8) Vector256.Store(Vector256<float>.Zero, dst + i);
        if (Vector128.IsHardwareAccelerated)
            for (; i <= n - 4; i += 4) Vector128.Store(Vector128<float>.Zero, dst + i);
        for (; i < n; i++) dst[i] = 0f;
    }
}
