using MlNetConv.Tensors;

namespace MlNetConv.Backends.Cpu.Kernels;

/// <summary>
/// Softmax, softmax cross-entropy (log-sum-exp in double) and squared error. The first two run blocks of items (sample,
/// position) on the cores once the work is large (segmentation: a loss per pixel); each item is computed alone, the same
/// way whatever the blocks, so the results are the same bits on any core count.
/// </summary>
internal sealed class CpuLossKernels : ILossKernels
{
    /// <summary>Logits per block of items; fewer in all run on the calling thread.</summary>
    private const int BlockLogits = 1 << 14;

    public void SoftmaxCrossEntropy(Tensor logits, IndexTensor labels, Tensor? classWeights, int ignoreIndex,
        Tensor losses, Tensor weights, Tensor logitsGrad)
    {
        var z = CpuData.Read(logits);
        var y = CpuData.Of(labels);
        var cw = classWeights is null ? default : CpuData.Read(classWeights);
        var loss = CpuData.Of(losses);
        var wt = CpuData.Of(weights);
        var dz = CpuData.Of(logitsGrad);
        int n = logits.Shape.N, k = logits.Shape.C, s = logits.Shape.SpatialSize;
        bool weighted = classWeights is not null;
        for (int item = 0; item < n * s; item++)
        {
            int label = y[item];
            if (label != ignoreIndex && (uint)label >= (uint)k)
                throw new ArgumentException($"Cross-entropy: label {label} of item {item} (sample {item / s}) is outside 0..{k - 1}.");
        }
        Blocks(n * s, k, (first, end) =>
        {
            for (int item = first; item < end; item++)
            {
                int i = item / s, j = item % s, label = y[item];
                if (label == ignoreIndex)
                {
                    loss[item] = 0;
                    wt[item] = 0;
                    for (int c = 0; c < k; c++) dz[(i * k + c) * s + j] = 0;
                    continue;
                }
                var (max, sum) = ExpSum(z, i, j, k, s);
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
        });
    }

    public void Softmax(Tensor logits, Tensor probabilities)
    {
        var z = CpuData.Read(logits);
        var p = CpuData.Of(probabilities);
        int n = logits.Shape.N, k = logits.Shape.C, s = logits.Shape.SpatialSize;
        Blocks(n * s, k, (first, end) =>
        {
            for (int item = first; item < end; item++)
            {
                int i = item / s, j = item % s;
                var (max, sum) = ExpSum(z, i, j, k, s);
                for (int c = 0; c < k; c++) p[(i * k + c) * s + j] = (float)(Math.Exp(z[(i * k + c) * s + j] - max) / sum);
            }
        });
    }

    /// <summary>Of item (sample i, position j): its largest logit and Σ exp(logit - largest) in double, over its k classes.</summary>
    private static (float Max, double Sum) ExpSum(ArraySegment<float> z, int i, int j, int k, int s)
    {
        float max = float.NegativeInfinity;
        for (int c = 0; c < k; c++) max = Math.Max(max, z[(i * k + c) * s + j]);
        double sum = 0;
        for (int c = 0; c < k; c++) sum += Math.Exp(z[(i * k + c) * s + j] - max);
        return (max, sum);
    }

    /// <summary>body(first, end) over items [0, items) of <paramref name="classes"/> logits each: in blocks on the cores when there are several.</summary>
    private static void Blocks(int items, int classes, Action<int, int> body)
    {
        int perBlock = Math.Max(1, BlockLogits / Math.Max(1, classes)), blocks = (items + perBlock - 1) / perBlock;
        if (blocks <= 1) body(0, items);
        else CpuParallel.For(blocks, b => body(b * perBlock, Math.Min(items, (b + 1) * perBlock)));
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
