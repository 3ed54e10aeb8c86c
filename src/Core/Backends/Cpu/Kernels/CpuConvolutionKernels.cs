using MlNetConv.Geometry;
using MlNetConv.Tensors;

namespace MlNetConv.Backends.Cpu.Kernels;

/// <summary>
/// Reference convolution: direct loops over (D, H, W) with 1D/2D as leading extents of one. Threads over
/// (sample, output channel) for forward, samples for the input gradient and output channels for the weight
/// gradient, so each thread owns what it writes and sums run in a fixed order.
/// </summary>
internal sealed class CpuConvolutionKernels : IConvolutionKernels
{
    public void Forward(ConvGeometry g, Tensor input, Tensor weight, Tensor? bias, Tensor output)
    {
        var x = CpuData.Of(input);
        var w = CpuData.Of(weight);
        var b = bias is null ? default : CpuData.Of(bias);
        var y = CpuData.Of(output);
        int n = input.Shape.N, inPlane = g.Input.Volume, outPlane = g.Output.Volume, kv = g.KernelVolume;
        bool hasBias = bias is not null;

        Parallel.For(0, n * g.OutChannels, no =>
        {
            int s = no / g.OutChannels, o = no % g.OutChannels;
            var outMap = y.AsSpan(no * outPlane, outPlane);
            outMap.Fill(hasBias ? b[o] : 0f);
            int[] inputs = g.InputsOf[o];
            for (int j = 0; j < inputs.Length; j++)
            {
                var inMap = x.AsSpan((s * g.InChannels + inputs[j]) * inPlane, inPlane);
                var kernel = w.AsSpan((g.FirstConnection[o] + j) * kv, kv);
                Correlate(g, inMap, kernel, outMap);
            }
        });
    }

    public void BackwardData(ConvGeometry g, Tensor outputGrad, Tensor weight, Tensor inputGrad)
    {
        var dy = CpuData.Of(outputGrad);
        var w = CpuData.Of(weight);
        var dx = CpuData.Of(inputGrad);
        int n = outputGrad.Shape.N, inPlane = g.Input.Volume, outPlane = g.Output.Volume, kv = g.KernelVolume;

        Parallel.For(0, n, s =>
        {
            dx.AsSpan(s * g.InChannels * inPlane, g.InChannels * inPlane).Clear();
            for (int o = 0; o < g.OutChannels; o++)
            {
                var outGradMap = dy.AsSpan((s * g.OutChannels + o) * outPlane, outPlane);
                int[] inputs = g.InputsOf[o];
                for (int j = 0; j < inputs.Length; j++)
                {
                    var inGradMap = dx.AsSpan((s * g.InChannels + inputs[j]) * inPlane, inPlane);
                    var kernel = w.AsSpan((g.FirstConnection[o] + j) * kv, kv);
                    ScatterTransposed(g, outGradMap, kernel, inGradMap);
                }
            }
        });
    }

    public void BackwardWeights(ConvGeometry g, Tensor input, Tensor outputGrad, Tensor weightGrad, Tensor? biasGrad)
    {
        var x = CpuData.Of(input);
        var dy = CpuData.Of(outputGrad);
        var dw = CpuData.Of(weightGrad);
        var db = biasGrad is null ? default : CpuData.Of(biasGrad);
        int n = input.Shape.N, inPlane = g.Input.Volume, outPlane = g.Output.Volume, kv = g.KernelVolume;
        bool hasBias = biasGrad is not null;

        Parallel.For(0, g.OutChannels, o =>
        {
            int[] inputs = g.InputsOf[o];
            var kernelGrad = new float[kv];
            for (int j = 0; j < inputs.Length; j++)
            {
                Array.Clear(kernelGrad);
                for (int s = 0; s < n; s++)
                {
                    var inMap = x.AsSpan((s * g.InChannels + inputs[j]) * inPlane, inPlane);
                    var outGradMap = dy.AsSpan((s * g.OutChannels + o) * outPlane, outPlane);
                    AccumulateKernelGrad(g, inMap, outGradMap, kernelGrad);
                }
                var target = dw.AsSpan((g.FirstConnection[o] + j) * kv, kv);
                for (int k = 0; k < kv; k++) target[k] += kernelGrad[k];
            }
            if (hasBias)
            {
                double sum = 0;
                for (int s = 0; s < n; s++)
                    foreach (float v in dy.AsSpan((s * g.OutChannels + o) * outPlane, outPlane)) sum += v;
                db[o] += (float)sum;
            }
        });
    }

    /// <summary>outMap += cross-correlation of one input map with one kernel.</summary>
    private static void Correlate(ConvGeometry g, ReadOnlySpan<float> inMap, ReadOnlySpan<float> kernel, Span<float> outMap)
    {
        var (inD, inH, inW) = g.Input;
        var (outD, outH, outW) = g.Output;
        for (int kd = 0; kd < g.Kernel.D; kd++)
        for (int kh = 0; kh < g.Kernel.H; kh++)
        for (int kw = 0; kw < g.Kernel.W; kw++)
        {
            float wv = kernel[(kd * g.Kernel.H + kh) * g.Kernel.W + kw];
            var (owStart, owEnd) = ValidRange(outW, inW, g.Stride.W, g.PadBegin.W, kw * g.Dilation.W);
            for (int od = 0; od < outD; od++)
            {
                int id = od * g.Stride.D - g.PadBegin.D + kd * g.Dilation.D;
                if ((uint)id >= (uint)inD) continue;
                for (int oh = 0; oh < outH; oh++)
                {
                    int ih = oh * g.Stride.H - g.PadBegin.H + kh * g.Dilation.H;
                    if ((uint)ih >= (uint)inH) continue;
                    int inRow = (id * inH + ih) * inW, outRow = (od * outH + oh) * outW;
                    for (int ow = owStart; ow < owEnd; ow++)
                        outMap[outRow + ow] += wv * inMap[inRow + ow * g.Stride.W - g.PadBegin.W + kw * g.Dilation.W];
                }
            }
        }
    }

    /// <summary>inGradMap += each output gradient spread back through the kernel taps (the transposed correlation).</summary>
    private static void ScatterTransposed(ConvGeometry g, ReadOnlySpan<float> outGradMap, ReadOnlySpan<float> kernel, Span<float> inGradMap)
    {
        var (inD, inH, inW) = g.Input;
        var (outD, outH, outW) = g.Output;
        for (int kd = 0; kd < g.Kernel.D; kd++)
        for (int kh = 0; kh < g.Kernel.H; kh++)
        for (int kw = 0; kw < g.Kernel.W; kw++)
        {
            float wv = kernel[(kd * g.Kernel.H + kh) * g.Kernel.W + kw];
            var (owStart, owEnd) = ValidRange(outW, inW, g.Stride.W, g.PadBegin.W, kw * g.Dilation.W);
            for (int od = 0; od < outD; od++)
            {
                int id = od * g.Stride.D - g.PadBegin.D + kd * g.Dilation.D;
                if ((uint)id >= (uint)inD) continue;
                for (int oh = 0; oh < outH; oh++)
                {
                    int ih = oh * g.Stride.H - g.PadBegin.H + kh * g.Dilation.H;
                    if ((uint)ih >= (uint)inH) continue;
                    int inRow = (id * inH + ih) * inW, outRow = (od * outH + oh) * outW;
                    for (int ow = owStart; ow < owEnd; ow++)
                        inGradMap[inRow + ow * g.Stride.W - g.PadBegin.W + kw * g.Dilation.W] += wv * outGradMap[outRow + ow];
                }
            }
        }
    }

    /// <summary>kernelGrad += correlation of one input map with one output-gradient map.</summary>
    private static void AccumulateKernelGrad(ConvGeometry g, ReadOnlySpan<float> inMap, ReadOnlySpan<float> outGradMap, Span<float> kernelGrad)
    {
        var (inD, inH, inW) = g.Input;
        var (outD, outH, outW) = g.Output;
        for (int kd = 0; kd < g.Kernel.D; kd++)
        for (int kh = 0; kh < g.Kernel.H; kh++)
        for (int kw = 0; kw < g.Kernel.W; kw++)
        {
            float sum = 0;
            var (owStart, owEnd) = ValidRange(outW, inW, g.Stride.W, g.PadBegin.W, kw * g.Dilation.W);
            for (int od = 0; od < outD; od++)
            {
                int id = od * g.Stride.D - g.PadBegin.D + kd * g.Dilation.D;
                if ((uint)id >= (uint)inD) continue;
                for (int oh = 0; oh < outH; oh++)
                {
                    int ih = oh * g.Stride.H - g.PadBegin.H + kh * g.Dilation.H;
                    if ((uint)ih >= (uint)inH) continue;
                    int inRow = (id * inH + ih) * inW, outRow = (od * outH + oh) * outW;
                    for (int ow = owStart; ow < owEnd; ow++)
                        sum += outGradMap[outRow + ow] * inMap[inRow + ow * g.Stride.W - g.PadBegin.W + kw * g.Dilation.W];
                }
            }
            kernelGrad[(kd * g.Kernel.H + kh) * g.Kernel.W + kw] += sum;
        }
    }

    /// <summary>The output columns [start, end) whose tap at <paramref name="tapOffset"/> lands inside the input row.</summary>
    private static (int Start, int End) ValidRange(int outW, int inW, int stride, int pad, int tapOffset)
    {
        // ow * stride - pad + tapOffset in [0, inW)
        int start = Math.Max(0, CeilDiv(pad - tapOffset, stride));
        int end = Math.Min(outW, CeilDiv(inW + pad - tapOffset, stride));
        return (start, Math.Max(start, end));
    }

    private static int CeilDiv(int a, int b) => a >= 0 ? (a + b - 1) / b : -(-a / b);
}
