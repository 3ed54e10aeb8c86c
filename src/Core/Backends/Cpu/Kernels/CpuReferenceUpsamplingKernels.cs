using MlNetConv.Geometry;
using MlNetConv.Tensors;

namespace MlNetConv.Backends.Cpu.Kernels;

/// <summary>
/// Upsampling on one thread: every output the sum over its 2 x 2 x 2 taps (lower and upper input index per axis, from
/// the geometry) of the product of their axis weights times the input, in double; the backward pass sums for each input
/// value the gradients of the outputs that read it, weighted, in double. The reference of <see cref="CpuUpsamplingKernels"/>.
/// </summary>
internal sealed class CpuReferenceUpsamplingKernels : IUpsamplingKernels
{
    public void Forward(UpsampleGeometry g, Tensor input, Tensor output)
    {
        ReadOnlySpan<float> x = CpuData.Read(input); // (N, C, D, H, W)
        var y = CpuData.Span(output);                // (N, C, OD, OH, OW)
        int maps = input.Shape.N * g.Channels;
        for (int m = 0; m < maps; m++)
            for (int od = 0; od < g.Output.D; od++)
                for (int oh = 0; oh < g.Output.H; oh++)
                    for (int ow = 0; ow < g.Output.W; ow++)
                    {
                        double sum = 0;
                        for (int a = 0; a < 2; a++)
                            for (int b = 0; b < 2; b++)
                                for (int c = 0; c < 2; c++)
                                {
                                    double weight = Weight(g.D, od, a) * Weight(g.H, oh, b) * Weight(g.W, ow, c);
                                    if (weight != 0) // nearest and exact positions read one pixel: a tap of weight 0 is not read
                                        sum += weight * x[InputIndex(g, m, Tap(g.D, od, a), Tap(g.H, oh, b), Tap(g.W, ow, c))];
                                }
                        y[((m * g.Output.D + od) * g.Output.H + oh) * g.Output.W + ow] = (float)sum;
                    }
    }

    public void Backward(UpsampleGeometry g, Tensor outputGrad, Tensor inputGrad)
    {
        ReadOnlySpan<float> dy = CpuData.Read(outputGrad); // (N, C, OD, OH, OW)
        var dx = CpuData.Span(inputGrad);                  // (N, C, D, H, W)
        int maps = inputGrad.Shape.N * g.Channels;
        var sums = new double[dx.Length];
        for (int m = 0; m < maps; m++)
            for (int od = 0; od < g.Output.D; od++)
                for (int oh = 0; oh < g.Output.H; oh++)
                    for (int ow = 0; ow < g.Output.W; ow++)
                    {
                        float grad = dy[((m * g.Output.D + od) * g.Output.H + oh) * g.Output.W + ow];
                        for (int a = 0; a < 2; a++)
                            for (int b = 0; b < 2; b++)
                                for (int c = 0; c < 2; c++)
                                {
                                    double weight = Weight(g.D, od, a) * Weight(g.H, oh, b) * Weight(g.W, ow, c);
                                    if (weight != 0)
                                        sums[InputIndex(g, m, Tap(g.D, od, a), Tap(g.H, oh, b), Tap(g.W, ow, c))] += weight * grad;
                                }
                    }
        for (int i = 0; i < dx.Length; i++) dx[i] = (float)sums[i];
    }

    /// <summary>Along one axis, the input index of tap <paramref name="which"/> (0: lower, 1: upper) of output <paramref name="o"/>.</summary>
    private static int Tap(UpsampleTaps taps, int o, int which) => which == 0 ? taps.Lo[o] : taps.Hi[o];

    /// <summary>Along one axis, the weight of tap <paramref name="which"/>: the upper tap gets HiWeight, the lower the rest.</summary>
    private static double Weight(UpsampleTaps taps, int o, int which) => which == 0 ? 1.0 - taps.HiWeight[o] : taps.HiWeight[o];

    private static int InputIndex(UpsampleGeometry g, int map, int d, int h, int w) => ((map * g.Input.D + d) * g.Input.H + h) * g.Input.W + w;
}
