using MlNetConv.Backends.Cpu;
using MlNetConv.Layers;
using MlNetConv.Tensors;
using MlNetConv.Tests.Support;

namespace MlNetConv.Tests.Layers;

/// <summary>
/// Batch normalization in training (batch statistics: every output depends on every input of its channel) and in
/// evaluation (running statistics: a per-channel affine map), the running-statistics update, and training with frozen
/// statistics (the evaluation map and its gradient).
/// </summary>
public sealed class BatchNormTests
{
    /// <summary>Evaluation divides by sqrt(running_var + eps): give it a positive running variance.</summary>
    private static readonly GradientCheckOptions Evaluation = new()
    {
        Training = false,
        Parameters = (layer, p) => layer is BatchNorm bn && p == bn.RunningVar ? Values.Uniform(0.5, 2) : null,
    };

    /// <summary>Training with frozen statistics is the evaluation formula, running variance positive as there.</summary>
    private static readonly GradientCheckOptions FrozenStatistics = Evaluation with { Training = true };

    // Shape-preserving; weight and bias per channel (2C), running mean and variance (2C buffers).
    private static readonly LayerCases Cases = new(
        new("bn1d_nc_training", () => new BatchNorm1d(), new Shape(4, 3), new Shape(4, 3), 2 * 3, 2 * 3) { MinBatch = 2 },
        new("bn1d_nc_eval", () => new BatchNorm1d(), new Shape(4, 3), new Shape(4, 3), 2 * 3, 2 * 3, Evaluation),
        new("bn1d_ncl_training", () => new BatchNorm1d(), new Shape(3, 4, 5), new Shape(3, 4, 5), 2 * 4, 2 * 4),
        new("bn1d_ncl_eval", () => new BatchNorm1d(), new Shape(3, 4, 5), new Shape(3, 4, 5), 2 * 4, 2 * 4, Evaluation),
        new("bn2d_training", () => new BatchNorm2d(), new Shape(2, 3, 4, 4), new Shape(2, 3, 4, 4), 2 * 3, 2 * 3),
        new("bn2d_training_batch1", () => new BatchNorm2d(), new Shape(1, 2, 3, 3), new Shape(1, 2, 3, 3), 2 * 2, 2 * 2),
        new("bn2d_eval", () => new BatchNorm2d(), new Shape(2, 3, 4, 4), new Shape(2, 3, 4, 4), 2 * 3, 2 * 3, Evaluation),
        new("bn3d_training", () => new BatchNorm3d(), new Shape(2, 2, 3, 3, 3), new Shape(2, 2, 3, 3, 3), 2 * 2, 2 * 2),
        new("bn3d_eval", () => new BatchNorm3d(), new Shape(2, 2, 3, 3, 3), new Shape(2, 2, 3, 3, 3), 2 * 2, 2 * 2, Evaluation),
        new("bn1d_nc_frozen_statistics", () => new BatchNorm1d { FreezeStatistics = true }, new Shape(4, 3), new Shape(4, 3), 2 * 3, 2 * 3, FrozenStatistics),
        new("bn2d_frozen_statistics", () => new BatchNorm2d { FreezeStatistics = true }, new Shape(2, 3, 4, 4), new Shape(2, 3, 4, 4), 2 * 3, 2 * 3, FrozenStatistics),
        new("bn2d_frozen_statistics_batch1_1x1", () => new BatchNorm2d { FreezeStatistics = true }, new Shape(1, 3, 1, 1), new Shape(1, 3, 1, 1), 2 * 3, 2 * 3, FrozenStatistics));

    public static TheoryData<string> Names => Cases.Names;

    [Theory, MemberData(nameof(Names))]
    public void GradientsMatchFiniteDifferences(string name) => Cases[name].AssertGradients();

    [Theory, MemberData(nameof(Names))]
    public void ShapesAndParameters(string name) => Cases[name].AssertShapes();

    [Fact]
    public void Training_UpdatesRunningStatisticsWithMomentumAndUnbiasedVariance()
    {
        // x: (3, 2, 2, 2): per channel 3 · 4 = 12 values.
        var shape = new Shape(3, 2, 2, 2);
        var (layer, input, x) = Build(new BatchNorm2d(momentum: 0.1f), shape);

        layer.Forward(input, training: true);
        var (mean, variance) = ChannelStatistics(x, shape, unbiased: true);
        var expectedMean = mean.Select(m => 0.9 * 0 + 0.1 * m).ToArray();
        var expectedVar = variance.Select(v => 0.9 * 1 + 0.1 * v).ToArray();
        AssertClose(expectedMean, layer.RunningMean.Value.ToArray());
        AssertClose(expectedVar, layer.RunningVar.Value.ToArray());

        // A second step moves 10% further towards the same batch statistics.
        layer.Forward(input, training: true);
        AssertClose(expectedMean.Zip(mean, (r, m) => 0.9 * r + 0.1 * m).ToArray(), layer.RunningMean.Value.ToArray());
        AssertClose(expectedVar.Zip(variance, (r, v) => 0.9 * r + 0.1 * v).ToArray(), layer.RunningVar.Value.ToArray());
    }

    [Fact]
    public void Training_NormalizesEachChannelWithTheBiasedBatchVariance()
    {
        // x: (4, 3, 5)
        var shape = new Shape(4, 3, 5);
        var (layer, input, x) = Build(new BatchNorm1d(eps: 1e-5f), shape);
        layer.Weight.Value.CopyFrom([1f, 2f, 0.5f]);
        layer.BiasParameter.Value.CopyFrom([0f, 1f, -1f]);

        var y = layer.Forward(input, training: true).ToArray();

        var (mean, variance) = ChannelStatistics(x, shape, unbiased: false);
        float[] gamma = [1f, 2f, 0.5f], beta = [0f, 1f, -1f];
        var expected = new double[x.Length];
        ForEach(shape, (at, c) => expected[at] = (x[at] - mean[c]) / Math.Sqrt(variance[c] + 1e-5) * gamma[c] + beta[c]);
        AssertClose(expected, y);
    }

    [Fact]
    public void Evaluation_UsesTheRunningStatisticsAndLeavesThemAlone()
    {
        // x: (2, 2, 3, 3)
        var shape = new Shape(2, 2, 3, 3);
        var (layer, input, x) = Build(new BatchNorm2d(), shape);
        layer.RunningMean.Value.CopyFrom([0.5f, -1f]);
        layer.RunningVar.Value.CopyFrom([4f, 0.25f]);

        var y = layer.Forward(input, training: false).ToArray();

        var expected = new double[x.Length];
        double[] mean = [0.5, -1], variance = [4, 0.25];
        ForEach(shape, (at, c) => expected[at] = (x[at] - mean[c]) / Math.Sqrt(variance[c] + 1e-5));
        AssertClose(expected, y);
        Assert.Equal([0.5f, -1f], layer.RunningMean.Value.ToArray());
        Assert.Equal([4f, 0.25f], layer.RunningVar.Value.ToArray());
    }

    /// <summary>
    /// With frozen statistics, training gives the bits of evaluation, leaves the running statistics as they were, and its
    /// input gradient is the affine map's, weight · invStd per channel, where batch statistics would give another.
    /// </summary>
    [Fact]
    public void FrozenStatistics_TrainLikeEvaluation_WithoutTouchingTheStatistics()
    {
        // x: (3, 2, 2, 2)
        var shape = new Shape(3, 2, 2, 2);
        var (layer, input, _) = Build(new BatchNorm2d { FreezeStatistics = true }, shape);
        layer.RunningMean.Value.CopyFrom([0.5f, -1f]);
        layer.RunningVar.Value.CopyFrom([4f, 0.25f]);
        layer.Weight.Value.CopyFrom([1.5f, -2f]);

        var evaluation = layer.Forward(input, training: false).ToArray();
        var training = layer.Forward(input, training: true).ToArray();
        Assert.Equal(evaluation, training);
        Assert.Equal([0.5f, -1f], layer.RunningMean.Value.ToArray());
        Assert.Equal([4f, 0.25f], layer.RunningVar.Value.ToArray());

        using var outputGrad = input.Backend.Allocate(shape);
        outputGrad.CopyFrom(Enumerable.Repeat(1f, shape.Size).ToArray());
        var inputGrad = layer.Backward(outputGrad)!.ToArray();
        double[] expected = [1.5 / Math.Sqrt(4 + 1e-5), -2 / Math.Sqrt(0.25 + 1e-5)];
        ForEach(shape, (at, c) => Assert.Equal(expected[c], inputGrad[at], 1e-5));

        layer.FreezeStatistics = false;
        layer.Forward(input, training: true);
        Assert.NotEqual([0.5f, -1f], layer.RunningMean.Value.ToArray());
    }

    private static (T Layer, Tensor Input, float[] Values) Build<T>(T layer, Shape shape) where T : BatchNorm
    {
        var backend = new CpuBackend();
        layer.Build(backend, shape);
        var values = Values.Uniform(-2, 3)(shape, new RandomStream(11));
        var input = backend.Allocate(shape);
        input.CopyFrom(values);
        return (layer, input, values);
    }

    /// <summary>Calls <paramref name="action"/>(flat index, channel) for every element of an (N, C, spatial...) tensor.</summary>
    private static void ForEach(Shape shape, Action<int, int> action)
    {
        int plane = shape.SpatialSize;
        for (int at = 0; at < shape.Size; at++) action(at, at / plane % shape.C);
    }

    /// <summary>Per-channel mean and variance over batch and space, in double.</summary>
    private static (double[] Mean, double[] Variance) ChannelStatistics(float[] x, Shape shape, bool unbiased)
    {
        var sum = new double[shape.C];
        var square = new double[shape.C];
        ForEach(shape, (at, c) => sum[c] += x[at]);
        int count = shape.N * shape.SpatialSize;
        var mean = sum.Select(s => s / count).ToArray();
        ForEach(shape, (at, c) => square[c] += (x[at] - mean[c]) * (x[at] - mean[c]));
        return (mean, square.Select(s => s / (unbiased ? count - 1 : count)).ToArray());
    }

    private static void AssertClose(double[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 1e-5 * Math.Max(1, Math.Abs(expected[i])));
    }

    /// <summary>
    /// Inference normalisation in vector lanes gives the bits of (x - mean) · invStd · gamma + beta computed one value at
    /// a time (no fused multiply-add), for planes that are and are not a multiple of the vector width.
    /// </summary>
    [Theory]
    [InlineData(1, 3, 1)]
    [InlineData(2, 5, 16)]
    [InlineData(3, 4, 37)]
    [InlineData(2, 2, 56 * 56)]
    public void InferenceNormalization_IsBitIdenticalToTheScalarFormula(int n, int c, int s)
    {
        var backend = CpuBackend.Default;
        var random = new RandomStream(41, $"bn {n} {c} {s}");
        float[] Values(int count, double low, double high) => [.. Enumerable.Range(0, count).Select(_ => (float)(low + random.NextDouble() * (high - low)))];
        float[] x = Values(n * c * s, -3, 3), gamma = Values(c, 0.5, 2), beta = Values(c, -1, 1), mean = Values(c, -1, 1), variance = Values(c, 0.1, 3);
        const float epsilon = 1e-5f;
        Tensor Make(float[] v, Shape shape)
        {
            var t = backend.Allocate(shape);
            backend.Upload(v, t);
            return t;
        }
        var shape = new Shape(n, c, s);
        using var input = Make(x, shape);
        using var g = Make(gamma, new Shape(c));
        using var b = Make(beta, new Shape(c));
        using var rm = Make(mean, new Shape(c));
        using var rv = Make(variance, new Shape(c));
        using var output = backend.Allocate(shape);
        using var saveMean = backend.Allocate(new Shape(c));
        using var saveInvStd = backend.Allocate(new Shape(c));
        backend.Normalization.BatchNormForwardInference(input, g, b, rm, rv, epsilon, output, saveMean, saveInvStd);
        var y = output.ToArray();
        for (int i = 0; i < n; i++)
        for (int ch = 0; ch < c; ch++)
        {
            float inv = 1f / MathF.Sqrt(variance[ch] + epsilon);
            for (int j = 0; j < s; j++)
            {
                int at = (i * c + ch) * s + j;
                float expected = (x[at] - mean[ch]) * inv * gamma[ch] + beta[ch];
                Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(y[at]), $"element {at}: {y[at]:R}, expected {expected:R}");
            }
        }
    }
}
