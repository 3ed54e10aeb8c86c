using MlNetConv.Geometry;
using MlNetConv.Tensors;

namespace MlNetConv.Backends.Cpu.Kernels;

/// <summary>
/// Reference max, average and Lp pooling and max unpooling, threaded over (sample, channel) maps; maxout over (sample,
/// channel group). Every window lists its taps (<see cref="Taps"/>), the plain form the fast kernels
/// (<see cref="CpuPoolingKernels"/>) are checked against.
/// </summary>
internal class CpuReferencePoolingKernels : IPoolingKernels
{
    /// <summary>Windows up to this many taps keep their index list on the stack (global pooling of large maps does not).</summary>
    private const int MaxStackTaps = 1024;

    public virtual void MaxForward(PoolGeometry g, Tensor input, Tensor output, IndexTensor indices)
    {
        g.CheckArguments("max forward", input.Shape, output.Shape, indices.Shape);
        var x = CpuData.Of(input);
        var y = CpuData.Of(output);
        var idx = CpuData.Of(indices);
        int inPlane = g.Input.Volume, outPlane = g.Output.Volume;
        Parallel.For(0, input.Shape.N * g.Channels, m =>
        {
            var inMap = x.AsSpan(m * inPlane, inPlane);
            Span<int> taps = g.Kernel.Volume <= MaxStackTaps ? stackalloc int[g.Kernel.Volume] : new int[g.Kernel.Volume];
            for (int o = 0; o < outPlane; o++)
            {
                int count = Taps(g, o, taps);
                float best = float.NegativeInfinity;
                int bestIndex = taps[0];
                for (int t = 0; t < count; t++)
                {
                    float v = inMap[taps[t]];
                    if (Replaces(v, best))
                    {
                        best = v;
                        bestIndex = taps[t];
                        if (float.IsNaN(v)) break;
                    }
                }
                y[m * outPlane + o] = best;
                idx[m * outPlane + o] = bestIndex;
            }
        });
    }

    public void MaxBackward(PoolGeometry g, Tensor outputGrad, IndexTensor indices, Tensor inputGrad)
    {
        g.CheckArguments("max backward", inputGrad.Shape, outputGrad.Shape, indices.Shape);
        var dy = CpuData.Of(outputGrad);
        var idx = CpuData.Of(indices);
        var dx = CpuData.Of(inputGrad);
        int inPlane = g.Input.Volume, outPlane = g.Output.Volume;
        Parallel.For(0, outputGrad.Shape.N * g.Channels, m =>
        {
            var inGradMap = dx.AsSpan(m * inPlane, inPlane);
            inGradMap.Clear();
            for (int o = 0; o < outPlane; o++)
                inGradMap[idx[m * outPlane + o]] += dy[m * outPlane + o];
        });
    }

    public void AvgForward(PoolGeometry g, Tensor input, Tensor output)
    {
        g.CheckArguments("average forward", input.Shape, output.Shape);
        var x = CpuData.Of(input);
        var y = CpuData.Of(output);
        int inPlane = g.Input.Volume, outPlane = g.Output.Volume;
        Parallel.For(0, input.Shape.N * g.Channels, m =>
        {
            var inMap = x.AsSpan(m * inPlane, inPlane);
            Span<int> taps = g.Kernel.Volume <= MaxStackTaps ? stackalloc int[g.Kernel.Volume] : new int[g.Kernel.Volume];
            for (int o = 0; o < outPlane; o++)
            {
                int count = Taps(g, o, taps);
                double sum = 0;
                for (int t = 0; t < count; t++) sum += inMap[taps[t]];
                y[m * outPlane + o] = (float)(sum / Divisor(g, o, count));
            }
        });
    }

    public void AvgBackward(PoolGeometry g, Tensor outputGrad, Tensor inputGrad)
    {
        g.CheckArguments("average backward", inputGrad.Shape, outputGrad.Shape);
        var dy = CpuData.Of(outputGrad);
        var dx = CpuData.Of(inputGrad);
        int inPlane = g.Input.Volume, outPlane = g.Output.Volume;
        Parallel.For(0, outputGrad.Shape.N * g.Channels, m =>
        {
            var inGradMap = dx.AsSpan(m * inPlane, inPlane);
            inGradMap.Clear();
            Span<int> taps = g.Kernel.Volume <= MaxStackTaps ? stackalloc int[g.Kernel.Volume] : new int[g.Kernel.Volume];
            for (int o = 0; o < outPlane; o++)
            {
                int count = Taps(g, o, taps);
                float share = dy[m * outPlane + o] / Divisor(g, o, count);
                for (int t = 0; t < count; t++) inGradMap[taps[t]] += share;
            }
        });
    }

    public void MaxUnpoolBackward(PoolGeometry g, Tensor outputGrad, IndexTensor indices, Tensor inputGrad)
    {
        g.CheckArguments("max unpool backward", outputGrad.Shape, inputGrad.Shape, indices.Shape);
        var dy = CpuData.Of(outputGrad);
        var idx = CpuData.Of(indices);
        var dx = CpuData.Of(inputGrad);
        int inPlane = g.Input.Volume, outPlane = g.Output.Volume;
        Parallel.For(0, inputGrad.Shape.N * g.Channels, m =>
        {
            var unpooledGrad = dy.AsSpan(m * inPlane, inPlane);
            for (int o = 0; o < outPlane; o++) dx[m * outPlane + o] = unpooledGrad[idx[m * outPlane + o]];
        });
    }

    public void LpForward(PoolGeometry g, float p, Tensor input, Tensor output)
    {
        g.CheckArguments("Lp forward", input.Shape, output.Shape);
        var x = CpuData.Of(input);
        var y = CpuData.Of(output);
        int inPlane = g.Input.Volume, outPlane = g.Output.Volume;
        Parallel.For(0, input.Shape.N * g.Channels, m =>
        {
            var inMap = x.AsSpan(m * inPlane, inPlane);
            Span<int> taps = g.Kernel.Volume <= MaxStackTaps ? stackalloc int[g.Kernel.Volume] : new int[g.Kernel.Volume];
            for (int o = 0; o < outPlane; o++)
            {
                int count = Taps(g, o, taps);
                double sum = 0;
                for (int t = 0; t < count; t++) sum += PowAbs(inMap[taps[t]], p);
                y[m * outPlane + o] = (float)(p == 2f ? Math.Sqrt(sum) : Math.Pow(sum, 1.0 / p));
            }
        });
    }

    public void LpBackward(PoolGeometry g, float p, Tensor input, Tensor output, Tensor outputGrad, Tensor inputGrad)
    {
        g.CheckArguments("Lp backward", input.Shape, output.Shape);
        g.CheckArguments("Lp backward", inputGrad.Shape, outputGrad.Shape);
        var x = CpuData.Of(input);
        var y = CpuData.Of(output);
        var dy = CpuData.Of(outputGrad);
        var dx = CpuData.Of(inputGrad);
        int inPlane = g.Input.Volume, outPlane = g.Output.Volume;
        Parallel.For(0, input.Shape.N * g.Channels, m =>
        {
            var inMap = x.AsSpan(m * inPlane, inPlane);
            var inGradMap = dx.AsSpan(m * inPlane, inPlane);
            inGradMap.Clear();
            Span<int> taps = g.Kernel.Volume <= MaxStackTaps ? stackalloc int[g.Kernel.Volume] : new int[g.Kernel.Volume];
            for (int o = 0; o < outPlane; o++)
            {
                float norm = y[m * outPlane + o];
                // A window of zeros has no direction to move in: its subgradient 0 (PyTorch's gives NaN for p = 2).
                if (norm == 0f) continue;
                double scale = dy[m * outPlane + o] / PowAbs(norm, p - 1);
                int count = Taps(g, o, taps);
                for (int t = 0; t < count; t++)
                {
                    float v = inMap[taps[t]];
                    inGradMap[taps[t]] += (float)(scale * Math.CopySign(PowAbs(v, p - 1), v));
                }
            }
        });
    }

    /// <summary>|x|^p, exact for the common p = 1 and 2.</summary>
    private static double PowAbs(double x, float p) => p switch
    {
        1f => Math.Abs(x),
        2f => x * x,
        _ => Math.Pow(Math.Abs(x), p),
    };

    public void ChannelMaxForward(Tensor input, int poolSize, Tensor output, IndexTensor indices)
    {
        var x = CpuData.Of(input);
        var y = CpuData.Of(output);
        var idx = CpuData.Of(indices);
        int n = input.Shape.N, c = input.Shape.C, s = input.Shape.SpatialSize, groups = c / poolSize;
        Parallel.For(0, n * groups, map =>
        {
            int sample = map / groups, group = map % groups;
            int first = (sample * c + group * poolSize) * s;
            for (int j = 0; j < s; j++)
            {
                float best = float.NegativeInfinity;
                int bestChannel = 0;
                for (int t = 0; t < poolSize; t++)
                {
                    float v = x[first + t * s + j];
                    if (Replaces(v, best))
                    {
                        best = v;
                        bestChannel = t;
                        if (float.IsNaN(v)) break;
                    }
                }
                y[map * s + j] = best;
                idx[map * s + j] = bestChannel;
            }
        });
    }

    public void ChannelMaxBackward(Tensor outputGrad, IndexTensor indices, int poolSize, Tensor inputGrad)
    {
        var dy = CpuData.Of(outputGrad);
        var idx = CpuData.Of(indices);
        var dx = CpuData.Of(inputGrad);
        int n = inputGrad.Shape.N, c = inputGrad.Shape.C, s = inputGrad.Shape.SpatialSize, groups = c / poolSize;
        Parallel.For(0, n * groups, map =>
        {
            int sample = map / groups, group = map % groups;
            int first = (sample * c + group * poolSize) * s;
            dx.AsSpan(first, poolSize * s).Clear();
            for (int j = 0; j < s; j++) dx[first + idx[map * s + j] * s + j] = dy[map * s + j];
        });
    }

    /// <summary>
    /// The maximum's rule, tap by tap: a strictly greater value replaces the best so far (the first maximum wins), and NaN
    /// replaces it and ends the window (PyTorch's max pooling propagates NaN).
    /// </summary>
    private static bool Replaces(float value, float best) => value > best || float.IsNaN(value);

    /// <summary>The window's first tap, which may lie in the padding.</summary>
    private static Int3 WindowStart(PoolGeometry g, int output)
    {
        int ow = output % g.Output.W, oh = output / g.Output.W % g.Output.H, od = output / (g.Output.W * g.Output.H);
        return new Int3(od * g.Stride.D - g.PadBegin.D, oh * g.Stride.H - g.PadBegin.H, ow * g.Stride.W - g.PadBegin.W);
    }

    /// <summary>Writes the flat input indices of the window's taps that lie inside the input; returns their count.</summary>
    private static int Taps(PoolGeometry g, int output, Span<int> taps)
    {
        var start = WindowStart(g, output);
        int count = 0;
        for (int kd = 0; kd < g.Kernel.D; kd++)
        {
            int id = start.D + kd * g.Dilation.D;
            if ((uint)id >= (uint)g.Input.D) continue;
            for (int kh = 0; kh < g.Kernel.H; kh++)
            {
                int ih = start.H + kh * g.Dilation.H;
                if ((uint)ih >= (uint)g.Input.H) continue;
                for (int kw = 0; kw < g.Kernel.W; kw++)
                {
                    int iw = start.W + kw * g.Dilation.W;
                    if ((uint)iw >= (uint)g.Input.W) continue;
                    taps[count++] = (id * g.Input.H + ih) * g.Input.W + iw;
                }
            }
        }
        return count;
    }

    /// <summary>
    /// The average's divisor: with count_include_pad the window clipped to the padded input, which ends padEnd past the
    /// input (PyTorch's rule, and onnxruntime's for ONNX's begin and end pads), else the number of taps inside the input.
    /// </summary>
    private static float Divisor(PoolGeometry g, int output, int tapsInside)
    {
        if (!g.CountIncludePad) return tapsInside;
        var s = WindowStart(g, output);
        return (Math.Min(s.D + g.Kernel.D, g.Input.D + g.PadEnd.D) - s.D)
             * (Math.Min(s.H + g.Kernel.H, g.Input.H + g.PadEnd.H) - s.H)
             * (Math.Min(s.W + g.Kernel.W, g.Input.W + g.PadEnd.W) - s.W);
    }
}
