using ILGPU;
using ILGPU.Runtime;
using MlNetConv.Backends;
using MlNetConv.Tensors;

namespace MlNetConv.Gpu.Kernels;

/// <summary>
/// Softmax, softmax cross-entropy and squared error: one thread per item (sample, or pixel of (N, K, spatial...)),
/// looping over the K classes with the maximum subtracted (log-sum-exp). A label outside 0..K-1 is flagged by the
/// kernel and reported by the host with the CPU kernel's message.
/// </summary>
internal sealed class GpuLossKernels : ILossKernels
{
    private static readonly int[] NoBadItem = [int.MaxValue];
    private readonly GpuBackend _b;
    private readonly Action<Index1D, int, int, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, CrossEntropyParams> _crossEntropy;
    private readonly Action<Index1D, int, int, ArrayView<float>, ArrayView<float>, int, int> _softmax;
    private readonly Action<Index1D, int, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, float> _squaredErrorGrad;

    public GpuLossKernels(GpuBackend backend)
    {
        _b = backend;
        var a = backend.Accelerator;
        _crossEntropy = a.LoadAutoGroupedStreamKernel<Index1D, int, int, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, CrossEntropyParams>(CrossEntropyKernel);
        _softmax = a.LoadAutoGroupedStreamKernel<Index1D, int, int, ArrayView<float>, ArrayView<float>, int, int>(SoftmaxKernel);
        _squaredErrorGrad = a.LoadAutoGroupedStreamKernel<Index1D, int, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, float>(SquaredErrorGradKernel);
    }

    public void SoftmaxCrossEntropy(Tensor logits, IndexTensor labels, Tensor? classWeights, int ignoreIndex,
        Tensor losses, Tensor weights, Tensor logitsGrad)
    {
        int n = logits.Shape.N, k = logits.Shape.C, s = logits.Shape.SpatialSize, items = n * s;
        if (labels.Size != items || losses.Size != items || weights.Size != items || logitsGrad.Size != logits.Size)
            throw new ArgumentException($"Cross-entropy: logits {logits.Shape} need {items} labels, losses and weights, got {labels.Shape}, {losses.Shape}, {weights.Shape}.");
        lock (_b.Gate)
        {
            _b.Bind();
            var flag = _b.Flags.Get(1);
            ((ArrayView1D<int, Stride1D.Dense>)flag).CopyFromCPU(_b.Accelerator.DefaultStream, NoBadItem);
            var z = GpuData.Of(logits);
            int t = _b.Threads(items);
            if (items > 0)
                _crossEntropy(t, items, t, z, GpuData.Of(labels), classWeights is null ? z : GpuData.Of(classWeights), GpuData.Of(losses),
                    GpuData.Of(weights), GpuData.Of(logitsGrad), flag, new CrossEntropyParams(k, s, ignoreIndex, classWeights is null ? 0 : 1));
            var bad = new int[1];
            ((ArrayView1D<int, Stride1D.Dense>)flag).CopyToCPU(_b.Accelerator.DefaultStream, bad);
            if (bad[0] != int.MaxValue)
            {
                int item = bad[0];
                var label = new int[1];
                ((ArrayView1D<int, Stride1D.Dense>)GpuData.Of(labels).SubView(item, 1)).CopyToCPU(_b.Accelerator.DefaultStream, label);
                throw new ArgumentException($"Cross-entropy: label {label[0]} of item {item} (sample {item / s}) is outside 0..{k - 1}.");
            }
        }
    }

    public void Softmax(Tensor logits, Tensor probabilities)
    {
        if (logits.Size != probabilities.Size) throw new ArgumentException($"Softmax: logits {logits.Shape} and probabilities {probabilities.Shape} differ in size.");
        _b.Bind();
        int items = logits.Shape.N * logits.Shape.SpatialSize, t = _b.Threads(items);
        if (items > 0) _softmax(t, items, t, GpuData.Of(logits), GpuData.Of(probabilities), logits.Shape.C, logits.Shape.SpatialSize);
    }

    public double SquaredError(Tensor prediction, Tensor target, float scale, Tensor gradient)
    {
        if (prediction.Size != target.Size || prediction.Size != gradient.Size)
            throw new ArgumentException($"Squared error: prediction {prediction.Shape}, target {target.Shape} and gradient {gradient.Shape} differ in size.");
        lock (_b.Gate)
        {
            _b.Bind();
            int n = prediction.Size, t = _b.Threads(n);
            var p = GpuData.Of(prediction);
            var y = GpuData.Of(target);
            if (n > 0) _squaredErrorGrad(t, n, t, p, y, GpuData.Of(gradient), scale);
            return _b.Reductions.Sum(new SquaredDifferenceTerm(p, y), n);
        }
    }

    internal readonly record struct CrossEntropyParams(int Classes, int Spatial, int IgnoreIndex, int Weighted);

    // Item i = (sample, position); logits at (sample·K + c)·S + position.
    private static void CrossEntropyKernel(Index1D t, int n, int stride, ArrayView<float> z, ArrayView<int> labels, ArrayView<float> classWeights,
        ArrayView<float> losses, ArrayView<float> weights, ArrayView<float> dz, ArrayView<int> badItem, CrossEntropyParams p)
    {
        for (int item = t; item < n; item += stride)
        {
            int sample = item / p.Spatial, j = item - sample * p.Spatial, label = labels[item];
            int first = sample * p.Classes * p.Spatial + j;
            if (label == p.IgnoreIndex || (uint)label >= (uint)p.Classes)
            {
                if (label != p.IgnoreIndex) Atomic.Min(ref badItem[0], item);
                losses[item] = 0f;
                weights[item] = 0f;
                for (int c = 0; c < p.Classes; c++) dz[first + c * p.Spatial] = 0f;
                continue;
            }
            float max = float.NegativeInfinity;
            for (int c = 0; c < p.Classes; c++) max = XMax(max, z[first + c * p.Spatial]);
            float sum = 0f;
            for (int c = 0; c < p.Classes; c++) sum += MathF.Exp(z[first + c * p.Spatial] - max);
            float logSumExp = max + MathF.Log(sum);
            float w = p.Weighted != 0 ? classWeights[label] : 1f;
            losses[item] = w * (logSumExp - z[first + label * p.Spatial]);
            weights[item] = w;
            for (int c = 0; c < p.Classes; c++)
            {
                int at = first + c * p.Spatial;
                float prob = MathF.Exp(z[at] - logSumExp);
                dz[at] = w * (prob - (c == label ? 1f : 0f));
            }
        }
    }

    private static void SoftmaxKernel(Index1D t, int n, int stride, ArrayView<float> z, ArrayView<float> probabilities, int classes, int spatial)
    {
        for (int item = t; item < n; item += stride)
        {
            int sample = item / spatial, first = sample * classes * spatial + (item - sample * spatial);
            float max = float.NegativeInfinity;
            for (int c = 0; c < classes; c++) max = XMax(max, z[first + c * spatial]);
            float sum = 0f;
            for (int c = 0; c < classes; c++) sum += MathF.Exp(z[first + c * spatial] - max);
            for (int c = 0; c < classes; c++) probabilities[first + c * spatial] = MathF.Exp(z[first + c * spatial] - max) / sum;
        }
    }

    private static void SquaredErrorGradKernel(Index1D t, int n, int stride, ArrayView<float> p, ArrayView<float> y, ArrayView<float> g, float scale)
    {
        for (int i = t; i < n; i += stride) g[i] = scale * 2f * (p[i] - y[i]);
    }

    /// <summary>Math.Max's rule (NaN wins), written out so that every accelerator agrees.</summary>
    private static float XMax(float a, float b) => a > b || float.IsNaN(a) ? a : b;
}
