using ILGPU;
using ILGPU.Runtime;
using MlNetConv.Backends;
using MlNetConv.Geometry;
using MlNetConv.Tensors;

namespace MlNetConv.Gpu.Kernels;

/// <summary>
/// Convolution over (D, H, W) with 1D/2D as leading extents of one. Two algorithms:
/// <list type="bullet">
/// <item>im2col + GEMM (groups as a strided batch): for a chunk of samples the columns (Cin·kv, chunk·P) are built, then
/// output = W·columns, input gradient = col2im(Wᵀ·outputGrad), weight gradient += outputGrad·columnsᵀ. 1×1 convolutions
/// with stride 1 and no padding skip im2col for forward and input gradient (one GEMM batched over samples).</item>
/// <item>Direct kernels (connection tables, depthwise, and the reference): one thread per output, input or weight
/// element gathering what it needs, so nothing is accumulated with atomics.</item>
/// </list>
/// </summary>
internal sealed class GpuConvolutionKernels : IConvolutionKernels
{
    private readonly GpuBackend _b;
    private readonly Action<Index1D, int, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, TableViews, ConvParams> _directForward;
    private readonly Action<Index1D, int, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, TableViews, ConvParams> _directBackwardData;
    private readonly Action<Index1D, int, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, TableViews, ConvParams> _directBackwardWeights;
    private readonly Action<Index1D, int, int, ArrayView<float>, ArrayView<float>, ConvParams, Chunk> _im2col, _col2im;
    private readonly Action<Index1D, int, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvParams, Chunk> _unpack;
    private readonly Action<Index1D, int, int, ArrayView<float>, ArrayView<float>, ConvParams, Chunk> _pack;
    private readonly Action<Index1D, int, int, ArrayView<float>, ArrayView<float>, int, int> _channelFill;

    public GpuConvolutionKernels(GpuBackend backend)
    {
        _b = backend;
        var a = backend.Accelerator;
        _directForward = a.LoadAutoGroupedStreamKernel<Index1D, int, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, TableViews, ConvParams>(DirectForwardKernel);
        _directBackwardData = a.LoadAutoGroupedStreamKernel<Index1D, int, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, TableViews, ConvParams>(DirectBackwardDataKernel);
        _directBackwardWeights = a.LoadAutoGroupedStreamKernel<Index1D, int, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, TableViews, ConvParams>(DirectBackwardWeightsKernel);
        _im2col = a.LoadAutoGroupedStreamKernel<Index1D, int, int, ArrayView<float>, ArrayView<float>, ConvParams, Chunk>(Im2colKernel);
        _col2im = a.LoadAutoGroupedStreamKernel<Index1D, int, int, ArrayView<float>, ArrayView<float>, ConvParams, Chunk>(Col2imKernel);
        _unpack = a.LoadAutoGroupedStreamKernel<Index1D, int, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvParams, Chunk>(UnpackKernel);
        _pack = a.LoadAutoGroupedStreamKernel<Index1D, int, int, ArrayView<float>, ArrayView<float>, ConvParams, Chunk>(PackKernel);
        _channelFill = a.LoadAutoGroupedStreamKernel<Index1D, int, int, ArrayView<float>, ArrayView<float>, int, int>(ChannelFillKernel);
    }

    public void Forward(ConvGeometry geometry, Tensor input, Tensor weight, Tensor? bias, Tensor output)
    {
        var p = Check(geometry, input, output, weight, bias, "forward");
        lock (_b.Gate)
        {
            _b.Bind();
            var x = GpuData.Of(input);
            var w = GpuData.Of(weight);
            var y = GpuData.Of(output);
            int n = input.Shape.N;
            if (!UseGemm(geometry))
            {
                int count = output.Size, t = _b.Threads(count);
                if (count > 0) _directForward(t, count, t, x, w, bias is null ? w : GpuData.Of(bias), y, Table(geometry), p with { HasBias = bias is null ? 0 : 1 });
                return;
            }
            if (IsPointwise(geometry))
            {
                // output[n] (Cout, P) = W (Cout, Cin) · input[n] (Cin, P), batched over samples.
                if (bias is not null) Launch(_channelFill, output.Size, GpuData.Of(bias), y, p.OutChannels, p.OutPlane);
                _b.Gemm.Run(GemmParams.Create(false, false, p.OutChannels, p.OutPlane, p.InChannels, 1f, bias is null ? 0f : 1f,
                    0, (long)p.InChannels * p.InPlane, (long)p.OutChannels * p.OutPlane), n, w, x, y);
                return;
            }
            foreach (var chunk in Chunks(p, n))
            {
                var columns = Im2col(x, p, chunk);
                var packed = _b.Packed.Get((long)p.OutChannels * chunk.Columns);
                // packed_g (Cout/G, cols) = W_g (Cout/G, Kg) · columns_g (Kg, cols)
                _b.Gemm.Run(GemmParams.Create(false, false, p.GroupOut, chunk.Columns, p.GroupRows, 1f, 0f,
                    (long)p.GroupOut * p.GroupRows, (long)p.GroupRows * chunk.Columns, (long)p.GroupOut * chunk.Columns), p.Groups, w, columns, packed);
                int count = chunk.Samples * p.OutChannels * p.OutPlane, t = _b.Threads(count);
                _unpack(t, count, t, packed, bias is null ? w : GpuData.Of(bias), y, p with { HasBias = bias is null ? 0 : 1 }, chunk);
            }
        }
    }

    public void BackwardData(ConvGeometry geometry, Tensor outputGrad, Tensor weight, Tensor inputGrad)
    {
        var p = Check(geometry, inputGrad, outputGrad, weight, null, "backward (data)");
        lock (_b.Gate)
        {
            _b.Bind();
            var dy = GpuData.Of(outputGrad);
            var w = GpuData.Of(weight);
            var dx = GpuData.Of(inputGrad);
            int n = outputGrad.Shape.N;
            if (!UseGemm(geometry))
            {
                int count = inputGrad.Size, t = _b.Threads(count);
                if (count > 0) _directBackwardData(t, count, t, dy, w, dx, Table(geometry), p);
                return;
            }
            if (IsPointwise(geometry))
            {
                // inputGrad[n] (Cin, P) = Wᵀ (Cin, Cout) · outputGrad[n] (Cout, P), batched over samples.
                _b.Gemm.Run(GemmParams.Create(true, false, p.InChannels, p.InPlane, p.OutChannels, 1f, 0f,
                    0, (long)p.OutChannels * p.OutPlane, (long)p.InChannels * p.InPlane), n, w, dy, dx);
                return;
            }
            foreach (var chunk in Chunks(p, n))
            {
                var packed = Pack(dy, p, chunk);
                var columns = _b.Columns.Get((long)p.InChannels * p.KernelVolume * chunk.Columns);
                // columns_g (Kg, cols) = W_gᵀ (Kg, Cout/G) · packed_g (Cout/G, cols)
                _b.Gemm.Run(GemmParams.Create(true, false, p.GroupRows, chunk.Columns, p.GroupOut, 1f, 0f,
                    (long)p.GroupOut * p.GroupRows, (long)p.GroupOut * chunk.Columns, (long)p.GroupRows * chunk.Columns), p.Groups, w, packed, columns);
                int count = chunk.Samples * p.InChannels * p.InPlane, t = _b.Threads(count);
                _col2im(t, count, t, columns, dx, p, chunk);
            }
        }
    }

    public void BackwardWeights(ConvGeometry geometry, Tensor input, Tensor outputGrad, Tensor weightGrad, Tensor? biasGrad)
    {
        var p = Check(geometry, input, outputGrad, weightGrad, biasGrad, "backward (weights)");
        lock (_b.Gate)
        {
            _b.Bind();
            var x = GpuData.Of(input);
            var dy = GpuData.Of(outputGrad);
            var dw = GpuData.Of(weightGrad);
            int n = input.Shape.N;
            if (!UseGemm(geometry))
            {
                int count = weightGrad.Size, t = _b.Threads(count);
                if (count > 0) _directBackwardWeights(t, count, t, x, dy, dw, Table(geometry), p);
            }
            else
            {
                foreach (var chunk in Chunks(p, n))
                {
                    var packed = Pack(dy, p, chunk);
                    var columns = Im2col(x, p, chunk);
                    // dW_g (Cout/G, Kg) += packed_g (Cout/G, cols) · columns_gᵀ (cols, Kg)
                    _b.Gemm.Run(GemmParams.Create(false, true, p.GroupOut, p.GroupRows, chunk.Columns, 1f, 1f,
                        (long)p.GroupOut * chunk.Columns, (long)p.GroupRows * chunk.Columns, (long)p.GroupOut * p.GroupRows), p.Groups, packed, columns, dw);
                }
            }
            if (biasGrad is not null) _b.Reductions.AddChannelSums(dy, n, p.OutChannels, p.OutPlane, GpuData.Of(biasGrad));
        }
    }

    private bool UseGemm(ConvGeometry g) => g.Table is null && _b.Options.Convolution switch
    {
        ConvolutionAlgorithm.Direct => false,
        ConvolutionAlgorithm.Gemm => true,
        _ => g.InChannels / g.Groups > 1 || g.OutChannels / g.Groups > 1,
    };

    private static bool IsPointwise(ConvGeometry g) =>
        g.Groups == 1 && g.Kernel == Int3.One && g.Stride == Int3.One && g.Input == g.Output;

    private TableViews Table(ConvGeometry g)
    {
        var t = _b.Table(g);
        return new TableViews(t.Inputs, t.Outputs, t.First, t.ReverseFirst, t.ReverseOutputs, t.ReverseConnections);
    }

    /// <summary>im2col of a chunk into the column scratch: (Cin·kv, chunk·P).</summary>
    private ArrayView<float> Im2col(ArrayView<float> x, ConvParams p, Chunk chunk)
    {
        int count = p.InChannels * p.KernelVolume * chunk.Columns, t = _b.Threads(count);
        var columns = _b.Columns.Get(count);
        _im2col(t, count, t, x, columns, p, chunk);
        return columns;
    }

    /// <summary>A chunk's output gradient in channel-major order: (Cout, chunk·P).</summary>
    private ArrayView<float> Pack(ArrayView<float> dy, ConvParams p, Chunk chunk)
    {
        int count = p.OutChannels * chunk.Columns, t = _b.Threads(count);
        var packed = _b.Packed.Get(count);
        _pack(t, count, t, dy, packed, p, chunk);
        return packed;
    }

    /// <summary>Groups of samples whose columns fit the scratch budget (at least one sample each).</summary>
    private IEnumerable<Chunk> Chunks(ConvParams p, int n)
    {
        long perSample = ((long)p.InChannels * p.KernelVolume + p.OutChannels) * p.OutPlane;
        long budget = Math.Max(1, _b.Options.ScratchBytes / sizeof(float));
        int samples = (int)Math.Clamp(budget / Math.Max(1, perSample), 1, Math.Max(1, n));
        for (int first = 0; first < n; first += samples)
        {
            int count = Math.Min(samples, n - first);
            yield return new Chunk(first, count, count * p.OutPlane);
        }
    }

    private void Launch(Action<Index1D, int, int, ArrayView<float>, ArrayView<float>, int, int> kernel, int count, ArrayView<float> a, ArrayView<float> b, int c, int d)
    {
        int t = _b.Threads(count);
        if (count > 0) kernel(t, count, t, a, b, c, d);
    }

    private static ConvParams Check(ConvGeometry g, Tensor input, Tensor output, Tensor weight, Tensor? bias, string what)
    {
        g.CheckArguments(what, input.Shape, weight.Shape, bias?.Shape, output.Shape);
        return ConvParams.Of(g);
    }

    /// <summary>A <see cref="ConvGeometry"/> as kernel arguments.</summary>
    internal readonly record struct ConvParams(int InChannels, int OutChannels, int Groups, Int3 Input, Int3 Output, Int3 Kernel, Int3 Stride,
        Int3 Dilation, Int3 Pad, int HasBias)
    {
        public int KernelVolume => Kernel.D * Kernel.H * Kernel.W;
        public int InPlane => Input.D * Input.H * Input.W;
        public int OutPlane => Output.D * Output.H * Output.W;

        /// <summary>Output channels per group.</summary>
        public int GroupOut => OutChannels / Groups;

        /// <summary>Column rows (and weight columns) per group: (Cin/G)·kv.</summary>
        public int GroupRows => InChannels / Groups * KernelVolume;

        public static ConvParams Of(ConvGeometry g) =>
            new(g.InChannels, g.OutChannels, g.Groups, g.Input, g.Output, g.Kernel, g.Stride, g.Dilation, g.PadBegin, 0);
    }

    /// <summary>Samples [First, First + Samples) of a batch; Columns = Samples · P.</summary>
    internal readonly record struct Chunk(int First, int Samples, int Columns);

    /// <summary>The device views of a <see cref="ConvTable"/>.</summary>
    internal readonly record struct TableViews(ArrayView<int> Inputs, ArrayView<int> Outputs, ArrayView<int> First, ArrayView<int> ReverseFirst,
        ArrayView<int> ReverseOutputs, ArrayView<int> ReverseConnections);

    /// <summary>Input coordinate of an output coordinate and a tap, in one dimension.</summary>
    private static int InputAt(int o, int k, int stride, int pad, int dilation) => o * stride - pad + k * dilation;

    /// <summary>The output coordinate whose tap k reads input coordinate i, or -1.</summary>
    private static int OutputAt(int i, int k, int stride, int pad, int dilation, int outputs)
    {
        int at = i + pad - k * dilation;
        if (at < 0 || at % stride != 0) return -1;
        at /= stride;
        return at < outputs ? at : -1;
    }

    // Output element i = ((sample, o), position).
    private static void DirectForwardKernel(Index1D t, int n, int stride, ArrayView<float> x, ArrayView<float> w, ArrayView<float> bias,
        ArrayView<float> y, TableViews table, ConvParams p)
    {
        int outPlane = p.OutPlane, inPlane = p.InPlane, kv = p.KernelVolume;
        for (int i = t; i < n; i += stride)
        {
            int map = i / outPlane, position = i - map * outPlane, sample = map / p.OutChannels, o = map - sample * p.OutChannels;
            int ow = position % p.Output.W, oh = position / p.Output.W % p.Output.H, od = position / (p.Output.W * p.Output.H);
            float sum = p.HasBias != 0 ? bias[o] : 0f;
            for (int j = table.First[o]; j < table.First[o + 1]; j++)
            {
                int inBase = (sample * p.InChannels + table.Inputs[j]) * inPlane, wBase = j * kv;
                for (int kd = 0; kd < p.Kernel.D; kd++)
                {
                    int id = InputAt(od, kd, p.Stride.D, p.Pad.D, p.Dilation.D);
                    if ((uint)id >= (uint)p.Input.D) continue;
                    for (int kh = 0; kh < p.Kernel.H; kh++)
                    {
                        int ih = InputAt(oh, kh, p.Stride.H, p.Pad.H, p.Dilation.H);
                        if ((uint)ih >= (uint)p.Input.H) continue;
                        for (int kw = 0; kw < p.Kernel.W; kw++)
                        {
                            int iw = InputAt(ow, kw, p.Stride.W, p.Pad.W, p.Dilation.W);
                            if ((uint)iw >= (uint)p.Input.W) continue;
                            sum += w[wBase + (kd * p.Kernel.H + kh) * p.Kernel.W + kw] * x[inBase + (id * p.Input.H + ih) * p.Input.W + iw];
                        }
                    }
                }
            }
            y[i] = sum;
        }
    }

    // Input-gradient element i = ((sample, c), position): every (output channel, tap) that read it.
    private static void DirectBackwardDataKernel(Index1D t, int n, int stride, ArrayView<float> dy, ArrayView<float> w, ArrayView<float> dx,
        TableViews table, ConvParams p)
    {
        int outPlane = p.OutPlane, inPlane = p.InPlane, kv = p.KernelVolume;
        for (int i = t; i < n; i += stride)
        {
            int map = i / inPlane, position = i - map * inPlane, sample = map / p.InChannels, c = map - sample * p.InChannels;
            int iw = position % p.Input.W, ih = position / p.Input.W % p.Input.H, id = position / (p.Input.W * p.Input.H);
            float sum = 0f;
            for (int r = table.ReverseFirst[c]; r < table.ReverseFirst[c + 1]; r++)
            {
                int outBase = (sample * p.OutChannels + table.ReverseOutputs[r]) * outPlane, wBase = table.ReverseConnections[r] * kv;
                for (int kd = 0; kd < p.Kernel.D; kd++)
                {
                    int od = OutputAt(id, kd, p.Stride.D, p.Pad.D, p.Dilation.D, p.Output.D);
                    if (od < 0) continue;
                    for (int kh = 0; kh < p.Kernel.H; kh++)
                    {
                        int oh = OutputAt(ih, kh, p.Stride.H, p.Pad.H, p.Dilation.H, p.Output.H);
                        if (oh < 0) continue;
                        for (int kw = 0; kw < p.Kernel.W; kw++)
                        {
                            int ow = OutputAt(iw, kw, p.Stride.W, p.Pad.W, p.Dilation.W, p.Output.W);
                            if (ow < 0) continue;
                            sum += w[wBase + (kd * p.Kernel.H + kh) * p.Kernel.W + kw] * dy[outBase + (od * p.Output.H + oh) * p.Output.W + ow];
                        }
                    }
                }
            }
            dx[i] = sum;
        }
    }

    // Weight-gradient element i = (connection j, tap): Σ over samples and output positions.
    private static void DirectBackwardWeightsKernel(Index1D t, int n, int stride, ArrayView<float> x, ArrayView<float> dy, ArrayView<float> dw,
        TableViews table, ConvParams p)
    {
        int outPlane = p.OutPlane, inPlane = p.InPlane, kv = p.KernelVolume, samples = (int)(dy.Length / ((long)p.OutChannels * outPlane));
        for (int i = t; i < n; i += stride)
        {
            int j = i / kv, tap = i - j * kv;
            int kw = tap % p.Kernel.W, kh = tap / p.Kernel.W % p.Kernel.H, kd = tap / (p.Kernel.W * p.Kernel.H);
            int o = table.Outputs[j], c = table.Inputs[j];
            float sum = 0f;
            for (int sample = 0; sample < samples; sample++)
            {
                int outBase = (sample * p.OutChannels + o) * outPlane, inBase = (sample * p.InChannels + c) * inPlane;
                for (int od = 0; od < p.Output.D; od++)
                {
                    int id = InputAt(od, kd, p.Stride.D, p.Pad.D, p.Dilation.D);
                    if ((uint)id >= (uint)p.Input.D) continue;
                    for (int oh = 0; oh < p.Output.H; oh++)
                    {
                        int ih = InputAt(oh, kh, p.Stride.H, p.Pad.H, p.Dilation.H);
                        if ((uint)ih >= (uint)p.Input.H) continue;
                        for (int ow = 0; ow < p.Output.W; ow++)
                        {
                            int iw = InputAt(ow, kw, p.Stride.W, p.Pad.W, p.Dilation.W);
                            if ((uint)iw >= (uint)p.Input.W) continue;
                            sum += dy[outBase + (od * p.Output.H + oh) * p.Output.W + ow] * x[inBase + (id * p.Input.H + ih) * p.Input.W + iw];
                        }
                    }
                }
            }
            dw[i] += sum;
        }
    }

    // Column element i = (row c·kv + tap, column s·P + position) of the chunk.
    private static void Im2colKernel(Index1D t, int n, int stride, ArrayView<float> x, ArrayView<float> columns, ConvParams p, Chunk chunk)
    {
        int kv = p.KernelVolume, outPlane = p.OutPlane;
        for (int i = t; i < n; i += stride)
        {
            int row = i / chunk.Columns, column = i - row * chunk.Columns;
            int c = row / kv, tap = row - c * kv, s = column / outPlane, position = column - s * outPlane;
            int kw = tap % p.Kernel.W, kh = tap / p.Kernel.W % p.Kernel.H, kd = tap / (p.Kernel.W * p.Kernel.H);
            int ow = position % p.Output.W, oh = position / p.Output.W % p.Output.H, od = position / (p.Output.W * p.Output.H);
            int id = InputAt(od, kd, p.Stride.D, p.Pad.D, p.Dilation.D);
            int ih = InputAt(oh, kh, p.Stride.H, p.Pad.H, p.Dilation.H);
            int iw = InputAt(ow, kw, p.Stride.W, p.Pad.W, p.Dilation.W);
            bool inside = (uint)id < (uint)p.Input.D && (uint)ih < (uint)p.Input.H && (uint)iw < (uint)p.Input.W;
            columns[i] = inside ? x[((chunk.First + s) * p.InChannels + c) * p.InPlane + (id * p.Input.H + ih) * p.Input.W + iw] : 0f;
        }
    }

    // Input-gradient element i = ((s, c), position) of the chunk: Σ of the column entries that im2col copied from it.
    private static void Col2imKernel(Index1D t, int n, int stride, ArrayView<float> columns, ArrayView<float> dx, ConvParams p, Chunk chunk)
    {
        int kv = p.KernelVolume, inPlane = p.InPlane, outPlane = p.OutPlane;
        for (int i = t; i < n; i += stride)
        {
            int map = i / inPlane, position = i - map * inPlane, s = map / p.InChannels, c = map - s * p.InChannels;
            int iw = position % p.Input.W, ih = position / p.Input.W % p.Input.H, id = position / (p.Input.W * p.Input.H);
            float sum = 0f;
            for (int kd = 0; kd < p.Kernel.D; kd++)
            {
                int od = OutputAt(id, kd, p.Stride.D, p.Pad.D, p.Dilation.D, p.Output.D);
                if (od < 0) continue;
                for (int kh = 0; kh < p.Kernel.H; kh++)
                {
                    int oh = OutputAt(ih, kh, p.Stride.H, p.Pad.H, p.Dilation.H, p.Output.H);
                    if (oh < 0) continue;
                    for (int kw = 0; kw < p.Kernel.W; kw++)
                    {
                        int ow = OutputAt(iw, kw, p.Stride.W, p.Pad.W, p.Dilation.W, p.Output.W);
                        if (ow < 0) continue;
                        int row = c * kv + (kd * p.Kernel.H + kh) * p.Kernel.W + kw;
                        sum += columns[row * chunk.Columns + s * outPlane + (od * p.Output.H + oh) * p.Output.W + ow];
                    }
                }
            }
            dx[chunk.First * p.InChannels * inPlane + i] = sum;
        }
    }

    // Output element i = ((s, o), position) of the chunk from packed (Cout, chunk·P), plus the bias.
    private static void UnpackKernel(Index1D t, int n, int stride, ArrayView<float> packed, ArrayView<float> bias, ArrayView<float> y, ConvParams p, Chunk chunk)
    {
        int outPlane = p.OutPlane;
        for (int i = t; i < n; i += stride)
        {
            int map = i / outPlane, position = i - map * outPlane, s = map / p.OutChannels, o = map - s * p.OutChannels;
            float value = packed[o * chunk.Columns + s * outPlane + position];
            y[chunk.First * p.OutChannels * outPlane + i] = p.HasBias != 0 ? value + bias[o] : value;
        }
    }

    // Packed element i = (o, s·P + position) of the chunk from the output gradient (N, Cout, P).
    private static void PackKernel(Index1D t, int n, int stride, ArrayView<float> dy, ArrayView<float> packed, ConvParams p, Chunk chunk)
    {
        int outPlane = p.OutPlane;
        for (int i = t; i < n; i += stride)
        {
            int o = i / chunk.Columns, column = i - o * chunk.Columns, s = column / outPlane, position = column - s * outPlane;
            packed[i] = dy[((chunk.First + s) * p.OutChannels + o) * outPlane + position];
        }
    }

    // y (N, C, P)[i] = values[c].
    private static void ChannelFillKernel(Index1D t, int n, int stride, ArrayView<float> values, ArrayView<float> y, int channels, int plane)
    {
        for (int i = t; i < n; i += stride) y[i] = values[i / plane % channels];
    }
}
