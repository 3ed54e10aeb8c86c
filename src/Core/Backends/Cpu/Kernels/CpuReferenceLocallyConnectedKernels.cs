using MlNetConv.Geometry;
using MlNetConv.Tensors;

namespace MlNetConv.Backends.Cpu.Kernels;

/// <summary>
/// Locally connected layers on one thread, straight from the definition: for every output position and every kernel
/// tap, the input position it reads is computed from stride, padding and dilation and skipped when it falls in the
/// padding; every sum in double. The reference of <see cref="CpuLocallyConnectedKernels"/>.
/// </summary>
internal sealed class CpuReferenceLocallyConnectedKernels : ILocallyConnectedKernels
{
    public void Forward(ConvGeometry g, Tensor input, Tensor weight, Tensor? bias, Tensor output)
    {
        ReadOnlySpan<float> x = CpuData.Read(input);                          // (N, Cin, D, H, W)
        ReadOnlySpan<float> w = CpuData.Read(weight);                         // (P, Cout, Cin·K)
        ReadOnlySpan<float> b = bias is null ? default : CpuData.Read(bias);  // (Cout, P)
        var y = CpuData.Span(output);                                         // (N, Cout, P)
        int n = input.Shape.N, cout = g.OutChannels, positions = g.Output.Volume;
        for (int s = 0; s < n; s++)
            for (int o = 0; o < cout; o++)
                for (int p = 0; p < positions; p++)
                {
                    double sum = bias is null ? 0 : b[o * positions + p];
                    foreach (var (i, k, at) in Taps(g, p))
                        sum += (double)w[WeightIndex(g, p, o, i, k)] * x[InputIndex(g, s, i, at)];
                    y[(s * cout + o) * positions + p] = (float)sum;
                }
    }

    public void BackwardData(ConvGeometry g, Tensor outputGrad, Tensor weight, Tensor inputGrad)
    {
        ReadOnlySpan<float> dy = CpuData.Read(outputGrad); // (N, Cout, P)
        ReadOnlySpan<float> w = CpuData.Read(weight);      // (P, Cout, Cin·K)
        var dx = CpuData.Span(inputGrad);                  // (N, Cin, D, H, W)
        int n = outputGrad.Shape.N, cout = g.OutChannels, positions = g.Output.Volume;
        var sums = new double[dx.Length];
        for (int s = 0; s < n; s++)
            for (int o = 0; o < cout; o++)
                for (int p = 0; p < positions; p++)
                {
                    float grad = dy[(s * cout + o) * positions + p];
                    foreach (var (i, k, at) in Taps(g, p))
                        sums[InputIndex(g, s, i, at)] += (double)w[WeightIndex(g, p, o, i, k)] * grad;
                }
        for (int e = 0; e < dx.Length; e++) dx[e] = (float)sums[e];
    }

    public void BackwardWeights(ConvGeometry g, Tensor input, Tensor outputGrad, Tensor weightGrad, Tensor? biasGrad)
    {
        ReadOnlySpan<float> x = CpuData.Read(input);                                // (N, Cin, D, H, W)
        ReadOnlySpan<float> dy = CpuData.Read(outputGrad);                          // (N, Cout, P)
        var dw = CpuData.Span(weightGrad);                                          // (P, Cout, Cin·K)
        var db = biasGrad is null ? default : CpuData.Span(biasGrad);               // (Cout, P)
        int n = input.Shape.N, cout = g.OutChannels, positions = g.Output.Volume;
        for (int p = 0; p < positions; p++)
            for (int o = 0; o < cout; o++)
            {
                foreach (var (i, k, at) in Taps(g, p))
                {
                    double sum = 0;
                    for (int s = 0; s < n; s++) sum += (double)dy[(s * cout + o) * positions + p] * x[InputIndex(g, s, i, at)];
                    dw[WeightIndex(g, p, o, i, k)] += (float)sum;
                }
                if (biasGrad is not null)
                {
                    double sum = 0;
                    for (int s = 0; s < n; s++) sum += dy[(s * cout + o) * positions + p];
                    db[o * positions + p] += (float)sum;
                }
            }
    }

    /// <summary>
    /// Of output position p (flat over the output's D, H, W): every (input channel i, kernel tap k, flat input position at)
    /// the window reads, taps in the padding left out.
    /// </summary>
    private static IEnumerable<(int Channel, int Tap, int At)> Taps(ConvGeometry g, int p)
    {
        int ow = p % g.Output.W, oh = p / g.Output.W % g.Output.H, od = p / (g.Output.W * g.Output.H);
        for (int i = 0; i < g.InChannels; i++)
            for (int kd = 0; kd < g.Kernel.D; kd++)
                for (int kh = 0; kh < g.Kernel.H; kh++)
                    for (int kw = 0; kw < g.Kernel.W; kw++)
                    {
                        int id = od * g.Stride.D - g.PadBegin.D + kd * g.Dilation.D;
                        int ih = oh * g.Stride.H - g.PadBegin.H + kh * g.Dilation.H;
                        int iw = ow * g.Stride.W - g.PadBegin.W + kw * g.Dilation.W;
                        if (id < 0 || id >= g.Input.D || ih < 0 || ih >= g.Input.H || iw < 0 || iw >= g.Input.W) continue;
                        yield return (i, (kd * g.Kernel.H + kh) * g.Kernel.W + kw, (id * g.Input.H + ih) * g.Input.W + iw);
                    }
    }

    private static int WeightIndex(ConvGeometry g, int p, int o, int i, int k) => ((p * g.OutChannels + o) * g.InChannels + i) * g.KernelVolume + k;

    private static int InputIndex(ConvGeometry g, int sample, int channel, int at) => (sample * g.InChannels + channel) * g.Input.Volume + at;
}
