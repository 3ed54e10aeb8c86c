using ILGPU;
using ILGPU.Runtime;
using MlNetConv.Backends;
using MlNetConv.Geometry;
using MlNetConv.Tensors;

namespace MlNetConv.Gpu.Kernels;

/// <summary>
/// Locally connected layers as direct loops over the window taps inside the input, in the CPU kernel's order: forward
/// one thread per output, the input gradient one thread per input element gathering from the windows that hold it,
/// the weight gradient one thread per weight summing over the batch. No atomics; every sum runs in a fixed order.
/// </summary>
internal sealed class GpuLocallyConnectedKernels : ILocallyConnectedKernels
{
    private readonly GpuBackend _b;
    private readonly Action<Index1D, int, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, ArrayView<float>, LcParams> _forward;
    private readonly Action<Index1D, int, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, LcParams> _backwardData;
    private readonly Action<Index1D, int, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, LcParams> _backwardWeights;
    private readonly Action<Index1D, int, int, ArrayView<float>, ArrayView<float>, LcParams> _backwardBias;

    public GpuLocallyConnectedKernels(GpuBackend backend)
    {
        _b = backend;
        var a = backend.Accelerator;
        _forward = a.LoadAutoGroupedStreamKernel<Index1D, int, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, ArrayView<float>, LcParams>(ForwardKernel);
        _backwardData = a.LoadAutoGroupedStreamKernel<Index1D, int, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, LcParams>(BackwardDataKernel);
        _backwardWeights = a.LoadAutoGroupedStreamKernel<Index1D, int, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, LcParams>(BackwardWeightsKernel);
        _backwardBias = a.LoadAutoGroupedStreamKernel<Index1D, int, int, ArrayView<float>, ArrayView<float>, LcParams>(BackwardBiasKernel);
    }

    public void Forward(ConvGeometry geometry, Tensor input, Tensor weight, Tensor? bias, Tensor output)
    {
        var p = LcParams.Of(geometry, input.Shape.N);
        _b.Bind();
        int n = output.Size, t = _b.Threads(n);
        // Without a bias the kernel still needs a view; it reads it only when hasBias is 1.
        if (n > 0) _forward(t, n, t, GpuData.Of(input), GpuData.Of(weight), GpuData.Of(bias ?? weight), bias is null ? 0 : 1, GpuData.Of(output), p);
    }

    public void BackwardData(ConvGeometry geometry, Tensor outputGrad, Tensor weight, Tensor inputGrad)
    {
        var p = LcParams.Of(geometry, outputGrad.Shape.N);
        _b.Bind();
        int n = inputGrad.Size, t = _b.Threads(n);
        if (n > 0) _backwardData(t, n, t, GpuData.Of(outputGrad), GpuData.Of(weight), GpuData.Of(inputGrad), p);
    }

    public void BackwardWeights(ConvGeometry geometry, Tensor input, Tensor outputGrad, Tensor weightGrad, Tensor? biasGrad)
    {
        var p = LcParams.Of(geometry, input.Shape.N);
        _b.Bind();
        int n = weightGrad.Size, t = _b.Threads(n);
        if (n > 0) _backwardWeights(t, n, t, GpuData.Of(input), GpuData.Of(outputGrad), GpuData.Of(weightGrad), p);
        if (biasGrad is null) return;
        int nb = biasGrad.Size, tb = _b.Threads(nb);
        if (nb > 0) _backwardBias(tb, nb, tb, GpuData.Of(outputGrad), GpuData.Of(biasGrad), p);
    }

    /// <summary>A <see cref="ConvGeometry"/> and batch size as kernel arguments.</summary>
    internal readonly record struct LcParams(int Batch, int InChannels, int OutChannels, Int3 Input, Int3 Output, Int3 Kernel, Int3 Stride, Int3 Dilation, Int3 Pad)
    {
        public static LcParams Of(ConvGeometry g, int batch) =>
            new(batch, g.InChannels, g.OutChannels, g.Input, g.Output, g.Kernel, g.Stride, g.Dilation, g.PadBegin);
    }

    // Output (s, o, p): bias, then for every input channel the taps inside the input in (kd, kh, kw) order, in float.
    private static void ForwardKernel(Index1D t, int n, int stride, ArrayView<float> x, ArrayView<float> w, ArrayView<float> bias, int hasBias,
        ArrayView<float> y, LcParams g)
    {
        int positions = g.Output.D * g.Output.H * g.Output.W, inPlane = g.Input.D * g.Input.H * g.Input.W;
        int kv = g.Kernel.D * g.Kernel.H * g.Kernel.W;
        for (int i = t; i < n; i += stride)
        {
            int so = i / positions, p = i - so * positions, s = so / g.OutChannels, o = so - s * g.OutChannels;
            int ow = p % g.Output.W, oh = p / g.Output.W % g.Output.H, od = p / (g.Output.W * g.Output.H);
            int d0 = od * g.Stride.D - g.Pad.D, h0 = oh * g.Stride.H - g.Pad.H, w0 = ow * g.Stride.W - g.Pad.W;
            int weights = (p * g.OutChannels + o) * g.InChannels * kv;
            float sum = hasBias != 0 ? bias[o * positions + p] : 0f;
            for (int c = 0; c < g.InChannels; c++)
            {
                int inMap = (s * g.InChannels + c) * inPlane;
                for (int kd = 0; kd < g.Kernel.D; kd++)
                {
                    int id = d0 + kd * g.Dilation.D;
                    if ((uint)id >= (uint)g.Input.D) continue;
                    for (int kh = 0; kh < g.Kernel.H; kh++)
                    {
                        int ih = h0 + kh * g.Dilation.H;
                        if ((uint)ih >= (uint)g.Input.H) continue;
                        for (int kw = 0; kw < g.Kernel.W; kw++)
                        {
                            int iw = w0 + kw * g.Dilation.W;
                            if ((uint)iw >= (uint)g.Input.W) continue;
                            sum += w[weights + c * kv + (kd * g.Kernel.H + kh) * g.Kernel.W + kw] * x[inMap + (id * g.Input.H + ih) * g.Input.W + iw];
                        }
                    }
                }
            }
            y[i] = sum;
        }
    }

    // Input element (s, c, at): for every output channel, the windows (in position order) whose tap lands on at.
    private static void BackwardDataKernel(Index1D t, int n, int stride, ArrayView<float> dy, ArrayView<float> w, ArrayView<float> dx, LcParams g)
    {
        int positions = g.Output.D * g.Output.H * g.Output.W, inPlane = g.Input.D * g.Input.H * g.Input.W;
        int kv = g.Kernel.D * g.Kernel.H * g.Kernel.W;
        for (int i = t; i < n; i += stride)
        {
            int sc = i / inPlane, at = i - sc * inPlane, s = sc / g.InChannels, c = sc - s * g.InChannels;
            int iw = at % g.Input.W, ih = at / g.Input.W % g.Input.H, id = at / (g.Input.W * g.Input.H);
            var (dLo, dHi) = GpuPoolingKernels.Covering(id, g.Kernel.D, g.Stride.D, g.Pad.D, g.Dilation.D, g.Output.D);
            var (hLo, hHi) = GpuPoolingKernels.Covering(ih, g.Kernel.H, g.Stride.H, g.Pad.H, g.Dilation.H, g.Output.H);
            var (wLo, wHi) = GpuPoolingKernels.Covering(iw, g.Kernel.W, g.Stride.W, g.Pad.W, g.Dilation.W, g.Output.W);
            float sum = 0f;
            for (int o = 0; o < g.OutChannels; o++)
                for (int od = dLo; od <= dHi; od++)
                {
                    int rd = id - (od * g.Stride.D - g.Pad.D);
                    if (rd % g.Dilation.D != 0) continue;
                    for (int oh = hLo; oh <= hHi; oh++)
                    {
                        int rh = ih - (oh * g.Stride.H - g.Pad.H);
                        if (rh % g.Dilation.H != 0) continue;
                        for (int ow = wLo; ow <= wHi; ow++)
                        {
                            int rw = iw - (ow * g.Stride.W - g.Pad.W);
                            if (rw % g.Dilation.W != 0) continue;
                            int p = (od * g.Output.H + oh) * g.Output.W + ow;
                            int k = ((rd / g.Dilation.D) * g.Kernel.H + rh / g.Dilation.H) * g.Kernel.W + rw / g.Dilation.W;
                            sum += w[(p * g.OutChannels + o) * g.InChannels * kv + c * kv + k] * dy[(s * g.OutChannels + o) * positions + p];
                        }
                    }
                }
            dx[i] = sum;
        }
    }

    // Weight (p, o, c, k): += grad · input over the batch in sample order, when tap k of window p lies inside the input.
    private static void BackwardWeightsKernel(Index1D t, int n, int stride, ArrayView<float> x, ArrayView<float> dy, ArrayView<float> dw, LcParams g)
    {
        int positions = g.Output.D * g.Output.H * g.Output.W, inPlane = g.Input.D * g.Input.H * g.Input.W;
        int kv = g.Kernel.D * g.Kernel.H * g.Kernel.W;
        for (int i = t; i < n; i += stride)
        {
            int k = i % kv, rest = i / kv, c = rest % g.InChannels, po = rest / g.InChannels, o = po % g.OutChannels, p = po / g.OutChannels;
            int ow = p % g.Output.W, oh = p / g.Output.W % g.Output.H, od = p / (g.Output.W * g.Output.H);
            int kw = k % g.Kernel.W, kh = k / g.Kernel.W % g.Kernel.H, kd = k / (g.Kernel.W * g.Kernel.H);
            int id = od * g.Stride.D - g.Pad.D + kd * g.Dilation.D;
            int ih = oh * g.Stride.H - g.Pad.H + kh * g.Dilation.H;
            int iw = ow * g.Stride.W - g.Pad.W + kw * g.Dilation.W;
            if ((uint)id >= (uint)g.Input.D || (uint)ih >= (uint)g.Input.H || (uint)iw >= (uint)g.Input.W) continue;
            int at = (id * g.Input.H + ih) * g.Input.W + iw;
            float sum = dw[i];
            for (int s = 0; s < g.Batch; s++)
                sum += dy[(s * g.OutChannels + o) * positions + p] * x[(s * g.InChannels + c) * inPlane + at];
            dw[i] = sum;
        }
    }

    // Bias (o, p): += the output gradient summed over the batch in double.
    private static void BackwardBiasKernel(Index1D t, int n, int stride, ArrayView<float> dy, ArrayView<float> db, LcParams g)
    {
        int positions = g.Output.D * g.Output.H * g.Output.W;
        for (int i = t; i < n; i += stride)
        {
            int o = i / positions, p = i - o * positions;
            double sum = 0;
            for (int s = 0; s < g.Batch; s++) sum += dy[(s * g.OutChannels + o) * positions + p];
            db[i] += (float)sum;
        }
    }
}
