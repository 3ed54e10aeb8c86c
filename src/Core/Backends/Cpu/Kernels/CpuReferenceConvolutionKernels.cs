using System.Runtime.CompilerServices;
using MlNetConv.Geometry;
using MlNetConv.Tensors;

namespace MlNetConv.Backends.Cpu.Kernels;

/// <summary>
/// Reference convolution: direct loops over (D, H, W) with 1D/2D as leading extents of one. Threads over
/// (sample, output channel) for forward, samples for the input gradient and output channels for the weight
/// gradient, so each thread owns what it writes and sums run in a fixed order. The oracle of the GEMM-based
/// <see cref="CpuConvolutionKernels"/>.
/// </summary>
internal sealed class CpuReferenceConvolutionKernels : IConvolutionKernels
{
    public void Forward(ConvGeometry g, Tensor input, Tensor weight, Tensor? bias, Tensor output)
    {
        g.CheckArguments("forward", input.Shape, weight.Shape, bias?.Shape, output.Shape);
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
        g.CheckArguments("backward (data)", inputGrad.Shape, weight.Shape, null, outputGrad.Shape);
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
        g.CheckArguments("backward (weights)", input.Shape, weightGrad.Shape, biasGrad?.Shape, outputGrad.Shape);
        var x = CpuData.Of(input);
        var dy = CpuData.Of(outputGrad);
        var dw = CpuData.Of(weightGrad);
        var db = biasGrad is null ? default : CpuData.Of(biasGrad);
        int n = input.Shape.N, inPlane = g.Input.Volume, outPlane = g.Output.Volume, kv = g.KernelVolume;
        bool hasBias = biasGrad is not null;

        Parallel.For(0, g.OutChannels, o =>
        {
            int[] inputs = g.InputsOf[o];
            Span<float> kernelGrad = stackalloc float[kv];
            for (int j = 0; j < inputs.Length; j++)
            {
                kernelGrad.Clear();
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
        foreach (var run in Runs(g))
        {
            float wv = kernel[run.Tap];
            for (int ow = run.Start; ow < run.End; ow++) outMap[run.OutRow + ow] += wv * inMap[run.InAt + ow * g.Stride.W];
        }
    }

    /// <summary>inGradMap += each output gradient spread back through the kernel taps (the transposed correlation).</summary>
    private static void ScatterTransposed(ConvGeometry g, ReadOnlySpan<float> outGradMap, ReadOnlySpan<float> kernel, Span<float> inGradMap)
    {
        foreach (var run in Runs(g))
        {
            float wv = kernel[run.Tap];
            for (int ow = run.Start; ow < run.End; ow++) inGradMap[run.InAt + ow * g.Stride.W] += wv * outGradMap[run.OutRow + ow];
        }
    }

    /// <summary>kernelGrad += correlation of one input map with one output-gradient map.</summary>
    private static void AccumulateKernelGrad(ConvGeometry g, ReadOnlySpan<float> inMap, ReadOnlySpan<float> outGradMap, Span<float> kernelGrad)
    {
        foreach (var run in Runs(g))
        {
            float sum = 0;
            for (int ow = run.Start; ow < run.End; ow++) sum += outGradMap[run.OutRow + ow] * inMap[run.InAt + ow * g.Stride.W];
            kernelGrad[run.Tap] += sum;
        }
    }

    /// <summary>
    /// One kernel tap over one output row: outputs [Start, End) of the row at OutRow read the input at
    /// InAt + ow * strideW (InAt already holds the row, the padding and the tap's dilated offset).
    /// </summary>
    private readonly record struct Run(int Tap, int OutRow, int InAt, int Start, int End);

    private static readonly ConditionalWeakTable<ConvGeometry, Run[]> RunCache = new();

    /// <summary>Every (tap, output row) pair whose input row lies inside the input — the one traversal all three kernels share, computed once per geometry.</summary>
    private static Run[] Runs(ConvGeometry g) => RunCache.GetValue(g, geometry => EnumerateRuns(geometry).ToArray());

    private static IEnumerable<Run> EnumerateRuns(ConvGeometry g)
    {
        var (inD, inH, inW) = g.Input;
        var (outD, outH, outW) = g.Output;
        for (int kd = 0; kd < g.Kernel.D; kd++)
        for (int kh = 0; kh < g.Kernel.H; kh++)
        for (int kw = 0; kw < g.Kernel.W; kw++)
        {
            int tap = (kd * g.Kernel.H + kh) * g.Kernel.W + kw, tapW = kw * g.Dilation.W;
            var (owStart, owEnd) = ValidRange(outW, inW, g.Stride.W, g.PadBegin.W, tapW);
            if (owStart >= owEnd) continue;
            for (int od = 0; od < outD; od++)
            {
                int id = od * g.Stride.D - g.PadBegin.D + kd * g.Dilation.D;
                if ((uint)id >= (uint)inD) continue;
                for (int oh = 0; oh < outH; oh++)
                {
                    int ih = oh * g.Stride.H - g.PadBegin.H + kh * g.Dilation.H;
                    if ((uint)ih >= (uint)inH) continue;
                    yield return new Run(tap, (od * outH + oh) * outW, (id * inH + ih) * inW - g.PadBegin.W + tapW, owStart, owEnd);
                }
            }
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
