using MlNetConv.Tensors;

namespace MlNetConv.Backends.Cpu.Kernels;

/// <summary>
/// Softmax, softmax cross-entropy and squared error one item (sample, position) at a time on one thread, the
/// log-sum-exp and every sum in double: the reference of <see cref="CpuLossKernels"/>.
/// </summary>
internal sealed class CpuReferenceLossKernels : ILossKernels
{
    public void SoftmaxCrossEntropy(Tensor logits, IndexTensor labels, Tensor? classWeights, int ignoreIndex,
        Tensor losses, Tensor weights, Tensor logitsGrad)
    {
        ReadOnlySpan<float> z = CpuData.Read(logits);                                       // (N, K, S)
        ReadOnlySpan<int> y = CpuData.Span(labels);                                         // (N, S)
        ReadOnlySpan<float> cw = classWeights is null ? default : CpuData.Read(classWeights); // (K)
        var loss = CpuData.Span(losses);                                                    // (N * S)
        var wt = CpuData.Span(weights);                                                     // (N * S)
        var dz = CpuData.Span(logitsGrad);                                                  // (N, K, S)
        int n = logits.Shape.N, k = logits.Shape.C, s = logits.Shape.SpatialSize;
        for (int item = 0; item < n * s; item++)
            if (y[item] != ignoreIndex && (y[item] < 0 || y[item] >= k))
                throw new ArgumentException($"Cross-entropy: label {y[item]} of item {item} (sample {item / s}) is outside 0..{k - 1}.");
        for (int i = 0; i < n; i++)
            for (int j = 0; j < s; j++)
            {
                int item = i * s + j, label = y[item];
                if (label == ignoreIndex)
                {
                    loss[item] = 0;
                    wt[item] = 0;
                    for (int c = 0; c < k; c++) dz[(i * k + c) * s + j] = 0;
                    continue;
                }
                float w = classWeights is null ? 1f : cw[label];
                double logSumExp = LogSumExp(z, i, j, k, s);
                loss[item] = (float)(w * (logSumExp - z[(i * k + label) * s + j]));
                wt[item] = w;
                for (int c = 0; c < k; c++)
                {
                    double softmax = Math.Exp(z[(i * k + c) * s + j] - logSumExp);
                    dz[(i * k + c) * s + j] = (float)(w * (softmax - (c == label ? 1 : 0)));
                }
            }
    }

    public void Softmax(Tensor logits, Tensor probabilities)
    {
        ReadOnlySpan<float> z = CpuData.Read(logits);  // (N, K, S)
        var p = CpuData.Span(probabilities);           // (N, K, S)
        int n = logits.Shape.N, k = logits.Shape.C, s = logits.Shape.SpatialSize;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < s; j++)
            {
                double logSumExp = LogSumExp(z, i, j, k, s);
                for (int c = 0; c < k; c++) p[(i * k + c) * s + j] = (float)Math.Exp(z[(i * k + c) * s + j] - logSumExp);
            }
    }

    /// <summary>log Σ_c exp(z[i, c, j]) in double, shifted by the largest logit so no exp overflows.</summary>
    private static double LogSumExp(ReadOnlySpan<float> z, int i, int j, int k, int s)
    {
        double max = double.NegativeInfinity;
        for (int c = 0; c < k; c++) max = Math.Max(max, z[(i * k + c) * s + j]);
        double sum = 0;
        for (int c = 0; c < k; c++) sum += Math.Exp(z[(i * k + c) * s + j] - max);
        return max + Math.Log(sum);
    }

    public double SquaredError(Tensor prediction, Tensor target, float scale, Tensor gradient)
    {
        ReadOnlySpan<float> p = CpuData.Read(prediction); // any shape
        ReadOnlySpan<float> t = CpuData.Read(target);     // like prediction
        var g = CpuData.Span(gradient);                   // like prediction
        double sum = 0;
        for (int i = 0; i < p.Length; i++)
        {
            double d = (double)p[i] - t[i];
            sum += d * d;
            g[i] = scale * 2f * (p[i] - t[i]);
        }
        return sum;
    }
}
