using MlNetConv.Backends.Cpu;
using MlNetConv.Losses;
using MlNetConv.Tensors;

namespace MlNetConv.Tests.Losses;

public class LossTests
{
    private static readonly CpuBackend Backend = new();

    private static Tensor Make(Shape shape, float[] values)
    {
        var t = Backend.Allocate(shape);
        t.CopyFrom(values);
        return t;
    }

    private static IndexTensor Labels(Shape shape, int[] values)
    {
        var t = Backend.AllocateIndices(shape);
        Backend.UploadIndices(values, t);
        return t;
    }

    /// <summary>The loss as a double-precision function of the logits, for central differences.</summary>
    private static double Reference(float[] logits, int n, int k, int s, int[] labels, float[]? weights, int ignore)
    {
        double total = 0, weightSum = 0;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < s; j++)
            {
                int y = labels[i * s + j];
                if (y == ignore) continue;
                double max = double.NegativeInfinity, sum = 0;
                for (int c = 0; c < k; c++) max = Math.Max(max, logits[(i * k + c) * s + j]);
                for (int c = 0; c < k; c++) sum += Math.Exp(logits[(i * k + c) * s + j] - max);
                double w = weights?[y] ?? 1;
                total += w * (max + Math.Log(sum) - logits[(i * k + y) * s + j]);
                weightSum += w;
            }
        return total / weightSum;
    }

    [Theory]
    [InlineData(3, 4, 1, false, false)]
    [InlineData(1, 5, 1, true, false)]
    [InlineData(2, 3, 6, true, true)] // per pixel with class weights and an ignored pixel
    public void CrossEntropyValueAndGradientMatchADoublePrecisionReference(int n, int k, int s, bool weighted, bool ignore)
    {
        var random = new RandomStream(5);
        var logits = Enumerable.Range(0, n * k * s).Select(_ => 3f * (float)random.NextGaussian()).ToArray();
        var labels = Enumerable.Range(0, n * s).Select(_ => random.NextInt(k)).ToArray();
        if (ignore) labels[1] = -100;
        float[]? weights = weighted ? Enumerable.Range(0, k).Select(c => 0.5f + c).ToArray() : null;
        var shape = s == 1 ? new Shape(n, k) : new Shape(n, k, s);
        var loss = new SoftmaxCrossEntropyLoss(weights);
        var result = loss.Compute(Make(shape, logits), new Targets(Labels(new Shape(n * s), labels)));
        Assert.Equal(Reference(logits, n, k, s, labels, weights, -100), result.Loss, 5);
        var grad = result.Gradient.ToArray();
        const double h = 1e-3;
        for (int i = 0; i < logits.Length; i++)
        {
            var plus = (float[])logits.Clone();
            var minus = (float[])logits.Clone();
            plus[i] += (float)h;
            minus[i] -= (float)h;
            double numeric = (Reference(plus, n, k, s, labels, weights, -100) - Reference(minus, n, k, s, labels, weights, -100)) / (plus[i] - minus[i]);
            Assert.True(Math.Abs(numeric - grad[i]) <= 1e-3 * Math.Max(1e-2, Math.Abs(numeric)), $"logit {i}: analytic {grad[i]}, numeric {numeric}");
        }
        if (ignore) Assert.All(Enumerable.Range(0, k), c => Assert.Equal(0f, grad[(0 * k + c) * s + 1]));
    }

    /// <summary>
    /// A segmentation-sized loss (three 48x48 maps of 11 classes: the kernel runs blocks of pixels on the cores): every
    /// pixel's loss, weight and gradient, and the softmax, against double precision, with ignored pixels in every block.
    /// </summary>
    [Fact]
    public void PerPixelCrossEntropyAndSoftmaxInBlocksMatchDoublePrecision()
    {
        const int n = 3, k = 11, s = 48 * 48, ignore = 255;
        var random = new RandomStream(7);
        var z = Enumerable.Range(0, n * k * s).Select(_ => 4f * (float)random.NextGaussian()).ToArray();
        var labels = Enumerable.Range(0, n * s).Select(i => i % 97 == 0 ? ignore : random.NextInt(k)).ToArray();
        using var logits = Make(new Shape(n, k, 48, 48), z);
        using var targets = Labels(new Shape(n, 48, 48), labels);
        using var losses = Backend.Allocate(new Shape(n * s));
        using var weights = Backend.Allocate(new Shape(n * s));
        using var grad = Backend.Allocate(logits.Shape);
        using var probabilities = Backend.Allocate(logits.Shape);
        Backend.Loss.SoftmaxCrossEntropy(logits, targets, null, ignore, losses, weights, grad);
        Backend.Loss.Softmax(logits, probabilities);
        float[] l = losses.ToArray(), w = weights.ToArray(), g = grad.ToArray(), p = probabilities.ToArray();
        for (int i = 0; i < n; i++)
            for (int j = 0; j < s; j++)
            {
                int item = i * s + j, y = labels[item];
                double max = double.NegativeInfinity, sum = 0;
                for (int c = 0; c < k; c++) max = Math.Max(max, z[(i * k + c) * s + j]);
                for (int c = 0; c < k; c++) sum += Math.Exp(z[(i * k + c) * s + j] - max);
                double lse = max + Math.Log(sum);
                Assert.Equal(y == ignore ? 0 : lse - z[(i * k + y) * s + j], l[item], tolerance: 1e-5 * (1 + Math.Abs(lse)));
                Assert.Equal(y == ignore ? 0f : 1f, w[item]);
                for (int c = 0; c < k; c++)
                {
                    int at = (i * k + c) * s + j;
                    double softmax = Math.Exp(z[at] - lse);
                    Assert.Equal(softmax, p[at], tolerance: 1e-6);
                    Assert.Equal(y == ignore ? 0 : softmax - (c == y ? 1 : 0), g[at], tolerance: 1e-6);
                }
            }
    }

    /// <summary>
    /// Per pixel on (N, K, H, W) with labels (N, H, W), as a segmentation network trains: class weights (one of them 0),
    /// several ignored pixels; the gradient of every logit against central differences of the double-precision loss.
    /// </summary>
    [Fact]
    public void PerPixelCrossEntropyWithClassWeightsAndIgnoredPixelsMatchesFiniteDifferences()
    {
        const int n = 2, k = 4, h = 3, w = 5, s = h * w, ignore = 255;
        var random = new RandomStream(11);
        var logits = Enumerable.Range(0, n * k * s).Select(_ => 2f * (float)random.NextGaussian()).ToArray();
        var labels = Enumerable.Range(0, n * s).Select(_ => random.NextInt(k)).ToArray();
        foreach (int i in new[] { 0, 7, 16, 29 }) labels[i] = ignore;
        float[] weights = [0.5f, 2f, 0f, 1.25f];
        var loss = new SoftmaxCrossEntropyLoss(weights, ignoreIndex: ignore);

        var result = loss.Compute(Make(new Shape(n, k, h, w), logits), new Targets(Labels(new Shape(n, h, w), labels)));

        Assert.Equal(Reference(logits, n, k, s, labels, weights, ignore), result.Loss, 5);
        var grad = result.Gradient.ToArray();
        for (int i = 0; i < logits.Length; i++)
        {
            var plus = (float[])logits.Clone();
            var minus = (float[])logits.Clone();
            plus[i] += 1e-3f;
            minus[i] -= 1e-3f;
            double numeric = (Reference(plus, n, k, s, labels, weights, ignore) - Reference(minus, n, k, s, labels, weights, ignore)) / (plus[i] - minus[i]);
            Assert.True(Math.Abs(numeric - grad[i]) <= 1e-3 * Math.Max(1e-2, Math.Abs(numeric)), $"logit {i}: analytic {grad[i]}, numeric {numeric}");
        }
        // Ignored pixels and pixels of the zero-weight class send no gradient to any logit.
        for (int item = 0; item < n * s; item++)
            if (labels[item] == ignore || labels[item] == 2)
                for (int c = 0; c < k; c++) Assert.Equal(0f, grad[(item / s * k + c) * s + item % s]);
    }

    [Fact]
    public void CrossEntropyIsStableForHugeLogits()
    {
        var result = new SoftmaxCrossEntropyLoss().Compute(Make(new Shape(1, 3), [1000f, -1000f, 0f]), new Targets(Labels(new Shape(1), [1])));
        Assert.Equal(2000.0, result.Loss, 3);
        Assert.All(result.Gradient.ToArray(), g => Assert.True(float.IsFinite(g)));
    }

    [Fact]
    public void CrossEntropyRejectsOutOfRangeLabels()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            new SoftmaxCrossEntropyLoss().Compute(Make(new Shape(2, 3), new float[6]), new Targets(Labels(new Shape(2), [0, 7]))));
        Assert.Contains("label 7", error.Message);
    }

    [Fact]
    public void MeanSquaredErrorValueAndGradient()
    {
        var result = new MeanSquaredErrorLoss().Compute(Make(new Shape(2, 2), [1, 2, 3, 4]), new Targets(Make(new Shape(2, 2), [0, 2, 5, 4])));
        Assert.Equal((1 + 0 + 4 + 0) / 4.0, result.Loss, 6);
        Assert.Equal(new[] { 0.5f, 0f, -1f, 0f }, result.Gradient.ToArray());
    }

    [Fact]
    public void WeightedSumScalesEachOutputsGradient()
    {
        var labels = new Targets(Labels(new Shape(1), [0]));
        var main = Make(new Shape(1, 2), [0f, 0f]);
        var aux = Make(new Shape(1, 2), [0f, 0f]);
        var loss = new WeightedSumLoss((new SoftmaxCrossEntropyLoss(), 1f), (new SoftmaxCrossEntropyLoss(), 0.3f));
        var (total, grads) = loss.Compute([main, aux], labels);
        Assert.Equal(1.3 * Math.Log(2), total, 5);
        Assert.Equal(-0.5f, grads[0]!.ToArray()[0], 5);
        Assert.Equal(-0.15f, grads[1]!.ToArray()[0], 5);
    }
}
