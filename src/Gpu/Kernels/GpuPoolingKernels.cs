using ILGPU;
using ILGPU.Runtime;
using MlNetConv.Backends;
using MlNetConv.Geometry;
using MlNetConv.Tensors;

namespace MlNetConv.Gpu.Kernels;

/// <summary>
/// Max and average pooling over (D, H, W) windows: forward with one thread per output, backward with one thread per
/// input element that gathers from the outputs whose window covers it — no atomics, so gradients are deterministic.
/// </summary>
internal sealed partial class GpuPoolingKernels : IPoolingKernels
{
    private readonly GpuBackend _b;
    private readonly Action<Index1D, int, int, ArrayView<float>, ArrayView<float>, ArrayView<int>, PoolParams> _maxForward;
    private readonly Action<Index1D, int, int, ArrayView<float>, ArrayView<int>, ArrayView<float>, PoolParams> _maxBackward;
    private readonly Action<Index1D, int, int, ArrayView<float>, ArrayView<float>, PoolParams> _avgForward, _avgBackward;
    private readonly Action<Index1D, int, int, ArrayView<float>, ArrayView<int>, ArrayView<float>, PoolParams> _unpoolBackward;
    private readonly Action<Index1D, int, int, ArrayView<float>, ArrayView<float>, float, PoolParams> _lpForward;
    private readonly Action<Index1D, int, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, PoolParams> _lpBackward;
    private readonly Action<Index1D, int, int, ArrayView<float>, ArrayView<float>, ArrayView<int>, int, int> _channelMaxForward;
    private readonly Action<Index1D, int, int, ArrayView<float>, ArrayView<int>, ArrayView<float>, int, int> _channelMaxBackward;

    public GpuPoolingKernels(GpuBackend backend)
    {
        _b = backend;
        var a = backend.Accelerator;
        _maxForward = a.LoadAutoGroupedStreamKernel<Index1D, int, int, ArrayView<float>, ArrayView<float>, ArrayView<int>, PoolParams>(MaxForwardKernel);
        _maxBackward = a.LoadAutoGroupedStreamKernel<Index1D, int, int, ArrayView<float>, ArrayView<int>, ArrayView<float>, PoolParams>(MaxBackwardKernel);
        _avgForward = a.LoadAutoGroupedStreamKernel<Index1D, int, int, ArrayView<float>, ArrayView<float>, PoolParams>(AvgForwardKernel);
        _avgBackward = a.LoadAutoGroupedStreamKernel<Index1D, int, int, ArrayView<float>, ArrayView<float>, PoolParams>(AvgBackwardKernel);
        _unpoolBackward = a.LoadAutoGroupedStreamKernel<Index1D, int, int, ArrayView<float>, ArrayView<int>, ArrayView<float>, PoolParams>(UnpoolBackwardKernel);
        _lpForward = a.LoadAutoGroupedStreamKernel<Index1D, int, int, ArrayView<float>, ArrayView<float>, float, PoolParams>(LpForwardKernel);
        _lpBackward = a.LoadAutoGroupedStreamKernel<Index1D, int, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, PoolParams>(LpBackwardKernel);
        _channelMaxForward = a.LoadAutoGroupedStreamKernel<Index1D, int, int, ArrayView<float>, ArrayView<float>, ArrayView<int>, int, int>(ChannelMaxForwardKernel);
        _channelMaxBackward = a.LoadAutoGroupedStreamKernel<Index1D, int, int, ArrayView<float>, ArrayView<int>, ArrayView<float>, int, int>(ChannelMaxBackwardKernel);
    }

    public void MaxForward(PoolGeometry geometry, Tensor input, Tensor output, IndexTensor indices)
    {
        geometry.CheckArguments("max forward", input.Shape, output.Shape, indices.Shape);
        var p = PoolParams.Of(geometry);
        _b.Bind();
        int n = output.Size, t = _b.Threads(n);
        if (n > 0) _maxForward(t, n, t, GpuData.Of(input), GpuData.Of(output), GpuData.Of(indices), p);
    }

    public void MaxBackward(PoolGeometry geometry, Tensor outputGrad, IndexTensor indices, Tensor inputGrad)
    {
        geometry.CheckArguments("max backward", inputGrad.Shape, outputGrad.Shape, indices.Shape);
        var p = PoolParams.Of(geometry);
        _b.Bind();
        int n = inputGrad.Size, t = _b.Threads(n);
        if (n > 0) _maxBackward(t, n, t, GpuData.Of(outputGrad), GpuData.Of(indices), GpuData.Of(inputGrad), p);
    }

    public void AvgForward(PoolGeometry geometry, Tensor input, Tensor output)
    {
        geometry.CheckArguments("average forward", input.Shape, output.Shape);
        var p = PoolParams.Of(geometry);
        _b.Bind();
        int n = output.Size, t = _b.Threads(n);
        if (n > 0) _avgForward(t, n, t, GpuData.Of(input), GpuData.Of(output), p);
    }

    public void AvgBackward(PoolGeometry geometry, Tensor outputGrad, Tensor inputGrad)
    {
        geometry.CheckArguments("average backward", inputGrad.Shape, outputGrad.Shape);
        var p = PoolParams.Of(geometry);
        _b.Bind();
        int n = inputGrad.Size, t = _b.Threads(n);
        if (n > 0) _avgBackward(t, n, t, GpuData.Of(outputGrad), GpuData.Of(inputGrad), p);
    }

    public void MaxUnpoolBackward(PoolGeometry geometry, Tensor outputGrad, IndexTensor indices, Tensor inputGrad)
    {
        geometry.CheckArguments("max unpool backward", outputGrad.Shape, inputGrad.Shape, indices.Shape);
        var p = PoolParams.Of(geometry);
        _b.Bind();
        int n = inputGrad.Size, t = _b.Threads(n);
        if (n > 0) _unpoolBackward(t, n, t, GpuData.Of(outputGrad), GpuData.Of(indices), GpuData.Of(inputGrad), p);
    }

    public void LpForward(PoolGeometry geometry, float p, Tensor input, Tensor output)
    {
        geometry.CheckArguments("Lp forward", input.Shape, output.Shape);
        var q = PoolParams.Of(geometry);
        _b.Bind();
        int n = output.Size, t = _b.Threads(n);
        if (n > 0) _lpForward(t, n, t, GpuData.Of(input), GpuData.Of(output), p, q);
    }

    public void LpBackward(PoolGeometry geometry, float p, Tensor input, Tensor output, Tensor outputGrad, Tensor inputGrad)
    {
        geometry.CheckArguments("Lp backward", input.Shape, output.Shape);
        geometry.CheckArguments("Lp backward", inputGrad.Shape, outputGrad.Shape);
        var q = PoolParams.Of(geometry);
        _b.Bind();
        int n = inputGrad.Size, t = _b.Threads(n);
        if (n > 0) _lpBackward(t, n, t, GpuData.Of(input), GpuData.Of(output), GpuData.Of(outputGrad), GpuData.Of(inputGrad), p, q);
    }

    public void ChannelMaxForward(Tensor input, int poolSize, Tensor output, IndexTensor indices)
    {
        CheckChannelPool(input.Shape.C, poolSize, "ChannelMaxForward");
        _b.Bind();
        int n = output.Size, t = _b.Threads(n);
        if (n > 0) _channelMaxForward(t, n, t, GpuData.Of(input), GpuData.Of(output), GpuData.Of(indices), poolSize, input.Shape.SpatialSize);
    }

    public void ChannelMaxBackward(Tensor outputGrad, IndexTensor indices, int poolSize, Tensor inputGrad)
    {
        CheckChannelPool(inputGrad.Shape.C, poolSize, "ChannelMaxBackward");
        _b.Bind();
        int n = inputGrad.Size, t = _b.Threads(n);
        if (n > 0) _channelMaxBackward(t, n, t, GpuData.Of(outputGrad), GpuData.Of(indices), GpuData.Of(inputGrad), poolSize, inputGrad.Shape.SpatialSize);
    }

    private static void CheckChannelPool(int channels, int poolSize, string what)
    {
        if (poolSize <= 0 || channels % poolSize != 0)
            throw new ArgumentException($"{what}: {channels} channels do not split into groups of {poolSize}.");
    }

    /// <summary>A <see cref="PoolGeometry"/> as kernel arguments: Pad is the begin padding, where windows start.</summary>
    internal readonly record struct PoolParams(Int3 Input, Int3 Output, Int3 Kernel, Int3 Stride, Int3 Dilation, Int3 Pad, Int3 PadEnd,
        int CountIncludePad)
    {
        public static PoolParams Of(PoolGeometry g) =>
            new(g.Input, g.Output, g.Kernel, g.Stride, g.Dilation, g.PadBegin, g.PadEnd, g.CountIncludePad ? 1 : 0);
    }

    // Output o of map m; taps in (kd, kh, kw) order, the first maximum wins, a NaN wins and stops the search.
    private static void MaxForwardKernel(Index1D t, int n, int stride, ArrayView<float> x, ArrayView<float> y, ArrayView<int> indices, PoolParams p)
    {
        int outPlane = p.Output.D * p.Output.H * p.Output.W, inPlane = p.Input.D * p.Input.H * p.Input.W;
        for (int i = t; i < n; i += stride)
        {
            int map = i / outPlane, o = i - map * outPlane;
            int ow = o % p.Output.W, oh = o / p.Output.W % p.Output.H, od = o / (p.Output.W * p.Output.H);
            int d0 = od * p.Stride.D - p.Pad.D, h0 = oh * p.Stride.H - p.Pad.H, w0 = ow * p.Stride.W - p.Pad.W;
            float best = float.NegativeInfinity;
            int bestIndex = -1;
            bool done = false;
            for (int kd = 0; kd < p.Kernel.D && !done; kd++)
            {
                int id = d0 + kd * p.Dilation.D;
                if ((uint)id >= (uint)p.Input.D) continue;
                for (int kh = 0; kh < p.Kernel.H && !done; kh++)
                {
                    int ih = h0 + kh * p.Dilation.H;
                    if ((uint)ih >= (uint)p.Input.H) continue;
                    for (int kw = 0; kw < p.Kernel.W; kw++)
                    {
                        int iw = w0 + kw * p.Dilation.W;
                        if ((uint)iw >= (uint)p.Input.W) continue;
                        int tap = (id * p.Input.H + ih) * p.Input.W + iw;
                        float v = x[map * inPlane + tap];
                        if (bestIndex < 0) bestIndex = tap;
                        if (v > best || float.IsNaN(v))
                        {
                            best = v;
                            bestIndex = tap;
                            if (float.IsNaN(v))
                            {
                                done = true;
                                break;
                            }
                        }
                    }
                }
            }
            y[i] = best;
            indices[i] = bestIndex;
        }
    }

    // Input element i of map m gathers every output whose window holds it and whose argmax is i.
    private static void MaxBackwardKernel(Index1D t, int n, int stride, ArrayView<float> dy, ArrayView<int> indices, ArrayView<float> dx, PoolParams p)
    {
        int outPlane = p.Output.D * p.Output.H * p.Output.W, inPlane = p.Input.D * p.Input.H * p.Input.W;
        for (int i = t; i < n; i += stride)
        {
            int map = i / inPlane, tap = i - map * inPlane;
            int iw = tap % p.Input.W, ih = tap / p.Input.W % p.Input.H, id = tap / (p.Input.W * p.Input.H);
            float sum = 0f;
            var (dLo, dHi) = Covering(id, p.Kernel.D, p.Stride.D, p.Pad.D, p.Dilation.D, p.Output.D);
            var (hLo, hHi) = Covering(ih, p.Kernel.H, p.Stride.H, p.Pad.H, p.Dilation.H, p.Output.H);
            var (wLo, wHi) = Covering(iw, p.Kernel.W, p.Stride.W, p.Pad.W, p.Dilation.W, p.Output.W);
            for (int od = dLo; od <= dHi; od++)
                for (int oh = hLo; oh <= hHi; oh++)
                    for (int ow = wLo; ow <= wHi; ow++)
                    {
                        int o = map * outPlane + (od * p.Output.H + oh) * p.Output.W + ow;
                        if (indices[o] == tap) sum += dy[o];
                    }
            dx[i] = sum;
        }
    }

    private static void AvgForwardKernel(Index1D t, int n, int stride, ArrayView<float> x, ArrayView<float> y, PoolParams p)
    {
        int outPlane = p.Output.D * p.Output.H * p.Output.W, inPlane = p.Input.D * p.Input.H * p.Input.W;
        for (int i = t; i < n; i += stride)
        {
            int map = i / outPlane, o = i - map * outPlane;
            int ow = o % p.Output.W, oh = o / p.Output.W % p.Output.H, od = o / (p.Output.W * p.Output.H);
            int d0 = od * p.Stride.D - p.Pad.D, h0 = oh * p.Stride.H - p.Pad.H, w0 = ow * p.Stride.W - p.Pad.W;
            float sum = 0f;
            int count = 0;
            for (int kd = 0; kd < p.Kernel.D; kd++)
            {
                int id = d0 + kd * p.Dilation.D;
                if ((uint)id >= (uint)p.Input.D) continue;
                for (int kh = 0; kh < p.Kernel.H; kh++)
                {
                    int ih = h0 + kh * p.Dilation.H;
                    if ((uint)ih >= (uint)p.Input.H) continue;
                    for (int kw = 0; kw < p.Kernel.W; kw++)
                    {
                        int iw = w0 + kw * p.Dilation.W;
                        if ((uint)iw >= (uint)p.Input.W) continue;
                        sum += x[map * inPlane + (id * p.Input.H + ih) * p.Input.W + iw];
                        count++;
                    }
                }
            }
            y[i] = sum / Divisor(p, d0, h0, w0, count);
        }
    }

    // Every output whose window holds input element i (in bounds, so it is one of its taps) adds its share.
    private static void AvgBackwardKernel(Index1D t, int n, int stride, ArrayView<float> dy, ArrayView<float> dx, PoolParams p)
    {
        int outPlane = p.Output.D * p.Output.H * p.Output.W, inPlane = p.Input.D * p.Input.H * p.Input.W;
        for (int i = t; i < n; i += stride)
        {
            int map = i / inPlane, tap = i - map * inPlane;
            int iw = tap % p.Input.W, ih = tap / p.Input.W % p.Input.H, id = tap / (p.Input.W * p.Input.H);
            float sum = 0f;
            var (dLo, dHi) = Covering(id, p.Kernel.D, p.Stride.D, p.Pad.D, p.Dilation.D, p.Output.D);
            var (hLo, hHi) = Covering(ih, p.Kernel.H, p.Stride.H, p.Pad.H, p.Dilation.H, p.Output.H);
            var (wLo, wHi) = Covering(iw, p.Kernel.W, p.Stride.W, p.Pad.W, p.Dilation.W, p.Output.W);
            for (int od = dLo; od <= dHi; od++)
                for (int oh = hLo; oh <= hHi; oh++)
                    for (int ow = wLo; ow <= wHi; ow++)
                    {
                        int d0 = od * p.Stride.D - p.Pad.D, h0 = oh * p.Stride.H - p.Pad.H, w0 = ow * p.Stride.W - p.Pad.W;
                        if ((id - d0) % p.Dilation.D != 0 || (ih - h0) % p.Dilation.H != 0 || (iw - w0) % p.Dilation.W != 0) continue;
                        int count = Inside(d0, p.Kernel.D, p.Dilation.D, p.Input.D) * Inside(h0, p.Kernel.H, p.Dilation.H, p.Input.H)
                            * Inside(w0, p.Kernel.W, p.Dilation.W, p.Input.W);
                        sum += dy[map * outPlane + (od * p.Output.H + oh) * p.Output.W + ow] / Divisor(p, d0, h0, w0, count);
                    }
            dx[i] = sum;
        }
    }

    // Pooled position o of map m reads the unpooled gradient at the position its window's maximum came from.
    private static void UnpoolBackwardKernel(Index1D t, int n, int stride, ArrayView<float> dy, ArrayView<int> indices, ArrayView<float> dx, PoolParams p)
    {
        int outPlane = p.Output.D * p.Output.H * p.Output.W, inPlane = p.Input.D * p.Input.H * p.Input.W;
        for (int i = t; i < n; i += stride)
        {
            int map = i / outPlane, at = indices[i];
            dx[i] = at >= 0 ? dy[map * inPlane + at] : 0f;
        }
    }

    /// <summary>|x|^p in double, exact for the common p = 1 and 2 (as the CPU kernel).</summary>
    private static double PowAbs(double x, float p)
    {
        if (p == 1f) return Math.Abs(x);
        if (p == 2f) return x * x;
        return Math.Pow(Math.Abs(x), p);
    }

    // Taps in (kd, kh, kw) order, summed in double.
    private static void LpForwardKernel(Index1D t, int n, int stride, ArrayView<float> x, ArrayView<float> y, float power, PoolParams p)
    {
        int outPlane = p.Output.D * p.Output.H * p.Output.W, inPlane = p.Input.D * p.Input.H * p.Input.W;
        for (int i = t; i < n; i += stride)
        {
            int map = i / outPlane, o = i - map * outPlane;
            int ow = o % p.Output.W, oh = o / p.Output.W % p.Output.H, od = o / (p.Output.W * p.Output.H);
            int d0 = od * p.Stride.D - p.Pad.D, h0 = oh * p.Stride.H - p.Pad.H, w0 = ow * p.Stride.W - p.Pad.W;
            double sum = 0;
            for (int kd = 0; kd < p.Kernel.D; kd++)
            {
                int id = d0 + kd * p.Dilation.D;
                if ((uint)id >= (uint)p.Input.D) continue;
                for (int kh = 0; kh < p.Kernel.H; kh++)
                {
                    int ih = h0 + kh * p.Dilation.H;
                    if ((uint)ih >= (uint)p.Input.H) continue;
                    for (int kw = 0; kw < p.Kernel.W; kw++)
                    {
                        int iw = w0 + kw * p.Dilation.W;
                        if ((uint)iw >= (uint)p.Input.W) continue;
                        sum += PowAbs(x[map * inPlane + (id * p.Input.H + ih) * p.Input.W + iw], power);
                    }
                }
            }
            y[i] = (float)(power == 2f ? Math.Sqrt(sum) : Math.Pow(sum, 1.0 / power));
        }
    }

    // Input element i gathers, in output order, from every window that holds it: dy · sign(x)|x|^(p-1) / y^(p-1).
    private static void LpBackwardKernel(Index1D t, int n, int stride, ArrayView<float> x, ArrayView<float> y, ArrayView<float> dy, ArrayView<float> dx,
        float power, PoolParams p)
    {
        int outPlane = p.Output.D * p.Output.H * p.Output.W, inPlane = p.Input.D * p.Input.H * p.Input.W;
        float q = power - 1f;
        for (int i = t; i < n; i += stride)
        {
            int map = i / inPlane, tap = i - map * inPlane;
            int iw = tap % p.Input.W, ih = tap / p.Input.W % p.Input.H, id = tap / (p.Input.W * p.Input.H);
            float v = x[i];
            double magnitude = PowAbs(v, q);
            double signed = v < 0f ? -magnitude : magnitude;
            float sum = 0f;
            var (dLo, dHi) = Covering(id, p.Kernel.D, p.Stride.D, p.Pad.D, p.Dilation.D, p.Output.D);
            var (hLo, hHi) = Covering(ih, p.Kernel.H, p.Stride.H, p.Pad.H, p.Dilation.H, p.Output.H);
            var (wLo, wHi) = Covering(iw, p.Kernel.W, p.Stride.W, p.Pad.W, p.Dilation.W, p.Output.W);
            for (int od = dLo; od <= dHi; od++)
                for (int oh = hLo; oh <= hHi; oh++)
                    for (int ow = wLo; ow <= wHi; ow++)
                    {
                        int d0 = od * p.Stride.D - p.Pad.D, h0 = oh * p.Stride.H - p.Pad.H, w0 = ow * p.Stride.W - p.Pad.W;
                        if ((id - d0) % p.Dilation.D != 0 || (ih - h0) % p.Dilation.H != 0 || (iw - w0) % p.Dilation.W != 0) continue;
                        int o = map * outPlane + (od * p.Output.H + oh) * p.Output.W + ow;
                        float norm = y[o];
                        if (norm == 0f) continue;
                        double scale = dy[o] / PowAbs(norm, q);
                        sum += (float)(scale * signed);
                    }
            dx[i] = sum;
        }
    }

    // Output (sample, group, s): the first maximum over the group's channels wins; a NaN wins and stops the search.
    private static void ChannelMaxForwardKernel(Index1D t, int n, int stride, ArrayView<float> x, ArrayView<float> y, ArrayView<int> indices, int poolSize, int spatial)
    {
        for (int i = t; i < n; i += stride)
        {
            int map = i / spatial, j = i - map * spatial;
            int first = map * poolSize * spatial + j;
            float best = float.NegativeInfinity;
            int bestChannel = 0;
            for (int k = 0; k < poolSize; k++)
            {
                float v = x[first + k * spatial];
                if (v > best || float.IsNaN(v))
                {
                    best = v;
                    bestChannel = k;
                    if (float.IsNaN(v)) break;
                }
            }
            y[i] = best;
            indices[i] = bestChannel;
        }
    }

    // Input element (sample, group·poolSize + k, s) takes the output gradient when k was its group's maximum.
    private static void ChannelMaxBackwardKernel(Index1D t, int n, int stride, ArrayView<float> dy, ArrayView<int> indices, ArrayView<float> dx, int poolSize, int spatial)
    {
        for (int i = t; i < n; i += stride)
        {
            int j = i % spatial, channel = i / spatial, map = channel / poolSize, k = channel - map * poolSize;
            int o = map * spatial + j;
            dx[i] = indices[o] == k ? dy[o] : 0f;
        }
    }

    /// <summary>
    /// The outputs [lo, hi] of one dimension whose window o·s - pad + k·dilation (k &lt; K) can reach input position i;
    /// with dilation > 1 a caller still checks that i - start is a multiple of it (max pooling checks the argmax instead).
    /// </summary>
    internal static (int Lo, int Hi) Covering(int i, int kernel, int stride, int pad, int dilation, int outputs)
    {
        // o·s ∈ [i + pad - (K-1)·d, i + pad]
        int top = i + pad, bottom = top - (kernel - 1) * dilation;
        int lo = bottom <= 0 ? 0 : (bottom + stride - 1) / stride;
        int hi = Math.Min(outputs - 1, top / stride);
        return (lo, hi);
    }

    /// <summary>Taps of a window starting at <paramref name="start"/> that lie inside [0, input).</summary>
    private static int Inside(int start, int kernel, int dilation, int input)
    {
        int count = 0;
        for (int k = 0; k < kernel; k++)
            if ((uint)(start + k * dilation) < (uint)input) count++;
        return count;
    }

    /// <summary>The CPU kernel's divisor: the window clipped to the padded input, [-padBegin, in + padEnd), with count_include_pad, else the taps inside.</summary>
    private static float Divisor(PoolParams p, int d0, int h0, int w0, int tapsInside)
    {
        if (p.CountIncludePad == 0) return tapsInside;
        return (Math.Min(d0 + p.Kernel.D, p.Input.D + p.PadEnd.D) - d0)
             * (Math.Min(h0 + p.Kernel.H, p.Input.H + p.PadEnd.H) - h0)
             * (Math.Min(w0 + p.Kernel.W, p.Input.W + p.PadEnd.W) - w0);
    }
}
