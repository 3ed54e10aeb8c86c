using MlNetConv.Tensors;

namespace MlNetConv.Backends.Cpu.Kernels;

/// <summary>Reference softmax, softmax cross-entropy (log-sum-exp) and squared error.</summary>
internal sealed class CpuLossKernels : ILossKernels
{
    public void SoftmaxCrossEntropy(Tensor logits, IndexTensor labels, Tensor? classWeights, int ignoreIndex,
        Tensor losses, Tensor weights, Tensor logitsGrad)
    {
        var z = CpuData.Of(logits);
        var y = CpuData.Of(labels);
        var cw = classWeights is null ? default : CpuData.Of(classWeights);
        var loss = CpuData.Of(losses);
        var wt = CpuData.Of(weights);
        var dz = CpuData.Of(logitsGrad);
        int n = logits.Shape.N, k = logits.Shape.C, s = logits.Shape.SpatialSize;
        bool weighted = classWeights is not null;
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
                if ((uint)label >= (uint)k)
                    throw new ArgumentException($"Cross-entropy: label {label} of item {item} (sample {i}) is outside 0..{k - 1}.");
                float max = float.NegativeInfinity;
                for (int c = 0; c < k; c++) max = Math.Max(max, z[(i * k + c) * s + j]);
                double sum = 0;
                for (int c = 0; c < k; c++) sum += Math.Exp(z[(i * k + c) * s + j] - max);
                double logSumExp = max + Math.Log(sum);
                float w = weighted ? cw[label] : 1f;
                loss[item] = (float)(w * (logSumExp - z[(i * k + label) * s + j]));
                wt[item] = w;
                for (int c = 0; c < k; c++)
                {
                    int at = (i * k + c) * s + j;
                    float p = (float)Math.Exp(z[at] - logSumExp);
                    dz[at] = w * (p - (c == label ? 1f : 0f));
                }
            }
    }

    public void Softmax(Tensor logits, Tensor probabilities)
    {
        var z = CpuData.Of(logits);
        var p = CpuData.Of(probabilities);
        int n = logits.Shape.N, k = logits.Shape.C, s = logits.Shape.SpatialSize;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < s; j++)
            {
                float max = float.NegativeInfinity;
                for (int c = 0; c < k; c++) max = Math.Max(max, z[(i * k + c) * s + j]);
                double sum = 0;
                for (int c = 0; c < k; c++) sum += Math.Exp(z[(i * k + c) * s + j] - max);
                for (int c = 0; c < k; c++) p[(i * k + c) * s + j] = (float)(Math.Exp(z[(i * k + c) * s + j] - max) / sum);
            }
    }

    public double SquaredError(Tensor prediction, Tensor target, float scale, Tensor gradient)
    {
        var p = CpuData.Span(prediction);
        var t = CpuData.Span(target);
        var g = CpuData.Span(gradient);
        double sum = 0;
        for (int i = 0; i < p.Length; i++)
        {
            float d = p[i] - t[i];
            sum += (double)d * d;
            g[i] = scale * 2f * d;
        }
        return sum;
    }
}
