using System.Runtime.CompilerServices;
using MlNetConv.Geometry;
using MlNetConv.Tensors;

namespace MlNetConv.Backends.Cpu.Kernels;

/// <summary>
/// Reference locally connected kernels: direct loops over the taps of each output position that land inside the
/// input, listed once per geometry. Threads over (sample, output channel) for forward, samples for the input gradient
/// and output positions for the weight gradient, so each thread owns what it writes and sums run in a fixed order.
/// </summary>
internal sealed class CpuLocallyConnectedKernels : ILocallyConnectedKernels
{
    public void Forward(ConvGeometry g, Tensor input, Tensor weight, Tensor? bias, Tensor output)
    {
        var x = CpuData.Of(input);
        var w = CpuData.Of(weight);
        var b = bias is null ? default : CpuData.Of(bias);
        var y = CpuData.Of(output);
        var windows = Windows(g);
        int n = input.Shape.N, cin = g.InChannels, cout = g.OutChannels, positions = g.Output.Volume, inPlane = g.Input.Volume, kv = g.KernelVolume;
        bool hasBias = bias is not null;
        CpuParallel.For(n * cout, so =>
        {
            int s = so / cout, o = so % cout;
            for (int p = 0; p < positions; p++)
            {
                var weights = w.AsSpan((p * cout + o) * cin * kv, cin * kv);
                float sum = hasBias ? b[o * positions + p] : 0f;
                for (int i = 0; i < cin; i++)
                {
                    var inMap = x.AsSpan((s * cin + i) * inPlane, inPlane);
                    for (int t = windows.Start[p]; t < windows.Start[p + 1]; t++) sum += weights[i * kv + windows.Tap[t]] * inMap[windows.At[t]];
                }
                y[so * positions + p] = sum;
            }
        });
    }

    public void BackwardData(ConvGeometry g, Tensor outputGrad, Tensor weight, Tensor inputGrad)
    {
        var dy = CpuData.Of(outputGrad);
        var w = CpuData.Of(weight);
        var dx = CpuData.Of(inputGrad);
        var windows = Windows(g);
        int n = outputGrad.Shape.N, cin = g.InChannels, cout = g.OutChannels, positions = g.Output.Volume, inPlane = g.Input.Volume, kv = g.KernelVolume;
        CpuParallel.For(n, s =>
        {
            dx.AsSpan(s * cin * inPlane, cin * inPlane).Clear();
            for (int o = 0; o < cout; o++)
                for (int p = 0; p < positions; p++)
                {
                    float grad = dy[(s * cout + o) * positions + p];
                    var weights = w.AsSpan((p * cout + o) * cin * kv, cin * kv);
                    for (int i = 0; i < cin; i++)
                    {
                        var inGradMap = dx.AsSpan((s * cin + i) * inPlane, inPlane);
                        for (int t = windows.Start[p]; t < windows.Start[p + 1]; t++) inGradMap[windows.At[t]] += weights[i * kv + windows.Tap[t]] * grad;
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
        var windows = Windows(g);
        int n = input.Shape.N, cin = g.InChannels, cout = g.OutChannels, positions = g.Output.Volume, inPlane = g.Input.Volume, kv = g.KernelVolume;
        bool hasBias = biasGrad is not null;
        CpuParallel.For(positions, p =>
        {
            for (int o = 0; o < cout; o++)
            {
                var weightsGrad = dw.AsSpan((p * cout + o) * cin * kv, cin * kv);
                double biasSum = 0;
                for (int s = 0; s < n; s++)
                {
                    float grad = dy[(s * cout + o) * positions + p];
                    biasSum += grad;
                    for (int i = 0; i < cin; i++)
                    {
                        var inMap = x.AsSpan((s * cin + i) * inPlane, inPlane);
                        for (int t = windows.Start[p]; t < windows.Start[p + 1]; t++) weightsGrad[i * kv + windows.Tap[t]] += grad * inMap[windows.At[t]];
                    }
                }
                if (hasBias) db[o * positions + p] += (float)biasSum;
            }
        });
    }

    /// <summary>For output position p, entries Start[p]..Start[p+1]-1 list the kernel taps inside the input and the flat input position each reads.</summary>
    private sealed record WindowList(int[] Start, int[] Tap, int[] At);

    private static readonly ConditionalWeakTable<ConvGeometry, WindowList> WindowCache = new();

    private static WindowList Windows(ConvGeometry g) => WindowCache.GetValue(g, ListWindows);

    private static WindowList ListWindows(ConvGeometry g)
    {
        var start = new List<int>();
        var tap = new List<int>();
        var at = new List<int>();
        for (int od = 0; od < g.Output.D; od++)
        for (int oh = 0; oh < g.Output.H; oh++)
        for (int ow = 0; ow < g.Output.W; ow++)
        {
            start.Add(tap.Count);
            for (int kd = 0; kd < g.Kernel.D; kd++)
            for (int kh = 0; kh < g.Kernel.H; kh++)
            for (int kw = 0; kw < g.Kernel.W; kw++)
            {
                int id = od * g.Stride.D - g.PadBegin.D + kd * g.Dilation.D;
                int ih = oh * g.Stride.H - g.PadBegin.H + kh * g.Dilation.H;
                int iw = ow * g.Stride.W - g.PadBegin.W + kw * g.Dilation.W;
                if ((uint)id >= (uint)g.Input.D || (uint)ih >= (uint)g.Input.H || (uint)iw >= (uint)g.Input.W) continue;
                tap.Add((kd * g.Kernel.H + kh) * g.Kernel.W + kw);
                at.Add((id * g.Input.H + ih) * g.Input.W + iw);
            }
        }
        start.Add(tap.Count);
        return new WindowList([.. start], [.. tap], [.. at]);
    }
}
