using MlNetConv.Geometry;
using MlNetConv.Tensors;

namespace MlNetConv.Backends.Cpu.Kernels;

/// <summary>
/// Reference upsampling, threaded over (sample, channel) maps: each output reads at most two taps per axis, and the
/// backward pass scatters into a map that only its own thread writes, in a fixed order.
/// </summary>
internal sealed class CpuUpsamplingKernels : IUpsamplingKernels
{
    public void Forward(UpsampleGeometry g, Tensor input, Tensor output)
    {
        var x = CpuData.Of(input);
        var y = CpuData.Of(output);
        int inPlane = g.Input.Volume, outPlane = g.Output.Volume;
        CpuParallel.For(input.Shape.N * g.Channels, m =>
        {
            var inMap = x.AsSpan(m * inPlane, inPlane);
            var outMap = y.AsSpan(m * outPlane, outPlane);
            int at = 0;
            for (int od = 0; od < g.Output.D; od++)
            for (int oh = 0; oh < g.Output.H; oh++)
            for (int ow = 0; ow < g.Output.W; ow++)
            {
                double sum = 0;
                for (int a = 0; a < 2; a++)
                {
                    float wd = Weight(g.D, od, a, out int id);
                    if (wd == 0f) continue;
                    for (int b = 0; b < 2; b++)
                    {
                        float wh = Weight(g.H, oh, b, out int ih);
                        if (wh == 0f) continue;
                        for (int c = 0; c < 2; c++)
                        {
                            float ww = Weight(g.W, ow, c, out int iw);
                            if (ww == 0f) continue;
                            sum += (double)wd * wh * ww * inMap[(id * g.Input.H + ih) * g.Input.W + iw];
                        }
                    }
                }
                outMap[at++] = (float)sum;
            }
        });
    }

    public void Backward(UpsampleGeometry g, Tensor outputGrad, Tensor inputGrad)
    {
        var dy = CpuData.Of(outputGrad);
        var dx = CpuData.Of(inputGrad);
        int inPlane = g.Input.Volume, outPlane = g.Output.Volume;
        CpuParallel.For(inputGrad.Shape.N * g.Channels, m =>
        {
            var inGradMap = dx.AsSpan(m * inPlane, inPlane);
            var outGradMap = dy.AsSpan(m * outPlane, outPlane);
            inGradMap.Clear();
            int at = 0;
            for (int od = 0; od < g.Output.D; od++)
            for (int oh = 0; oh < g.Output.H; oh++)
            for (int ow = 0; ow < g.Output.W; ow++)
            {
                float grad = outGradMap[at++];
                for (int a = 0; a < 2; a++)
                {
                    float wd = Weight(g.D, od, a, out int id);
                    if (wd == 0f) continue;
                    for (int b = 0; b < 2; b++)
                    {
                        float wh = Weight(g.H, oh, b, out int ih);
                        if (wh == 0f) continue;
                        for (int c = 0; c < 2; c++)
                        {
                            float ww = Weight(g.W, ow, c, out int iw);
                            if (ww == 0f) continue;
                            inGradMap[(id * g.Input.H + ih) * g.Input.W + iw] += wd * wh * ww * grad;
                        }
                    }
                }
            }
        });
    }

    /// <summary>The weight of tap <paramref name="which"/> (0: the lower input index, 1: the upper) of output <paramref name="o"/> along one axis.</summary>
    private static float Weight(UpsampleTaps taps, int o, int which, out int index)
    {
        index = which == 0 ? taps.Lo[o] : taps.Hi[o];
        return which == 0 ? 1f - taps.HiWeight[o] : taps.HiWeight[o];
    }
}
