using MlNetConv.Backends.Cpu;
using MlNetConv.Layers;
using MlNetConv.Tensors;
using MlNetConv.Tests.Support;

namespace MlNetConv.Tests.Layers;

/// <summary>Local response normalization across channels, with more channels than the window.</summary>
public sealed class LocalResponseNormTests
{
    /// <summary>
    /// With AlexNet's α = 1e-4 the normalization only matters for activations of magnitude ~10. The step grows with
    /// them (1/8 is to 10 what 1/80 is to 1): the float32 rounding of outputs near 6 would otherwise dominate.
    /// </summary>
    private static readonly GradientCheckOptions LargeInputs = new() { Input = Values.Uniform(-10, 10), Step = 1.0 / 8 };

    // Shape-preserving; no weights.
    private static readonly LayerCases Cases = new(
        new("alexnet_k2_n5", () => new LocalResponseNorm(5, 1e-4f, 0.75f, 2f), new Shape(2, 7, 3, 3), new Shape(2, 7, 3, 3), Options: LargeInputs),
        new("alexnet_k2_n5_alpha_over_size", () => new LocalResponseNorm(5, 1e-4f, 0.75f, 2f, alphaOverSize: true), new Shape(2, 7, 3, 3),
            new Shape(2, 7, 3, 3), Options: LargeInputs),
        new("alpha0.5_n3", () => new LocalResponseNorm(3, 0.5f, 0.75f, 1f), new Shape(2, 6, 4, 4), new Shape(2, 6, 4, 4)),
        new("alpha0.5_n3_alpha_over_size_1d", () => new LocalResponseNorm(3, 0.5f, 0.75f, 1f, alphaOverSize: true), new Shape(2, 6, 5), new Shape(2, 6, 5)),
        // An even window is asymmetric: channels c - 2 .. c + 1.
        new("alpha0.3_n4_even_window", () => new LocalResponseNorm(4, 0.3f, 0.75f, 1f), new Shape(2, 7, 2, 2), new Shape(2, 7, 2, 2)),
        // ONNX's even window: channels c - 1 .. c + 2.
        new("alpha0.3_n4_onnx_window", () => new LocalResponseNorm(4, 0.3f, 0.75f, 1f, alphaOverSize: true, before: 1), new Shape(2, 7, 2, 2),
            new Shape(2, 7, 2, 2)),
        new("alpha0.5_n2_onnx_window_1d", () => new LocalResponseNorm(2, 0.5f, 0.75f, 1f, before: 0), new Shape(2, 5, 3), new Shape(2, 5, 3)),
        new("alpha2_n3_beta0.5_batch1", () => new LocalResponseNorm(3, 2f, 0.5f, 1f), new Shape(1, 5, 3, 3), new Shape(1, 5, 3, 3)));

    public static TheoryData<string> Names => Cases.Names;

    [Theory, MemberData(nameof(Names))]
    public void GradientsMatchFiniteDifferences(string name) => Cases[name].AssertGradients();

    [Theory, MemberData(nameof(Names))]
    public void ShapesAndParameters(string name) => Cases[name].AssertShapes();

    [Theory]
    [InlineData(5, 1e-4f, 0.75f, 2f, false, 10.0, null)]
    [InlineData(5, 1e-4f, 0.75f, 2f, true, 10.0, null)]
    [InlineData(3, 0.5f, 0.75f, 1f, false, 1.0, null)]
    [InlineData(4, 0.3f, 0.75f, 1f, false, 1.0, null)]
    [InlineData(4, 0.3f, 0.75f, 1f, true, 1.0, 1)]
    [InlineData(6, 0.3f, 0.75f, 1f, true, 1.0, 0)]
    public void Forward_MatchesTheFormula(int size, float alpha, float beta, float k, bool alphaOverSize, double magnitude, int? before)
    {
        var backend = new CpuBackend();
        // x: (2, 7, 3, 3)
        var shape = new Shape(2, 7, 3, 3);
        var layer = new LocalResponseNorm(size, alpha, beta, k, alphaOverSize, before: before);
        layer.Build(backend, shape);
        var x = Values.Uniform(-magnitude, magnitude)(shape, new RandomStream(5));
        using var input = backend.Allocate(shape);
        input.CopyFrom(x);

        var y = layer.Forward(input, training: true).ToArray();

        // b_c = a_c / (k + α' Σ_{c' = c - b}^{c + n - 1 - b} a_c'²)^β, α' = α/n with alphaOverSize, b = n/2 (PyTorch's
        // window) unless given.
        int first = before ?? size / 2;
        double effectiveAlpha = alphaOverSize ? alpha / (double)size : alpha;
        int channels = shape.C, plane = shape.SpatialSize;
        for (int n = 0; n < shape.N; n++)
            for (int c = 0; c < channels; c++)
                for (int j = 0; j < plane; j++)
                {
                    double sum = 0;
                    for (int w = Math.Max(0, c - first); w <= Math.Min(channels - 1, c + size - 1 - first); w++)
                        sum += Math.Pow(x[(n * channels + w) * plane + j], 2);
                    int at = (n * channels + c) * plane + j;
                    double expected = x[at] / Math.Pow(k + effectiveAlpha * sum, beta);
                    Assert.Equal(expected, y[at], 1e-5 * Math.Max(1, Math.Abs(expected)));
                }
    }
}
