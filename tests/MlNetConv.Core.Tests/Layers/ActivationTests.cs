using MlNetConv.Backends;
using MlNetConv.Backends.Cpu;
using MlNetConv.Layers;
using MlNetConv.Tensors;
using MlNetConv.Tests.Support;

namespace MlNetConv.Tests.Layers;

/// <summary>Every activation: shape-preserving, no weights, and gradients that match finite differences.</summary>
public sealed class ActivationTests
{
    // Shape-preserving: output shape = input shape, (N, C, spatial...) or (N, features). ReLU-like kinks sit at 0:
    // their inputs stay at least 4h away, so no stencil crosses one.
    private static readonly LayerCases Cases = new(
        new("relu", () => new ReLU(), new Shape(2, 3, 4, 4), new Shape(2, 3, 4, 4), Options: GradientCheckOptions.AwayFromZero),
        new("relu_features", () => new ReLU(), new Shape(3, 7), new Shape(3, 7), Options: GradientCheckOptions.AwayFromZero),
        new("leaky_relu_0.01", () => new LeakyReLU(), new Shape(2, 3, 5), new Shape(2, 3, 5), Options: GradientCheckOptions.AwayFromZero),
        new("leaky_relu_0.2", () => new LeakyReLU(0.2f), new Shape(2, 2, 3, 3, 3), new Shape(2, 2, 3, 3, 3), Options: GradientCheckOptions.AwayFromZero),
        new("tanh", () => new Tanh(), new Shape(2, 3, 4, 4), new Shape(2, 3, 4, 4)),
        new("tanh_wide_range", () => new Tanh(), new Shape(1, 4, 9), new Shape(1, 4, 9), Options: new() { Input = Values.Uniform(-3, 3) }),
        new("scaled_tanh", () => new ScaledTanh(), new Shape(2, 3, 4, 4), new Shape(2, 3, 4, 4), Options: new() { Input = Values.Uniform(-3, 3) }),
        new("sigmoid", () => new Sigmoid(), new Shape(2, 3, 4, 4), new Shape(2, 3, 4, 4), Options: new() { Input = Values.Uniform(-4, 4) }),
        new("sigmoid_features", () => new Sigmoid(), new Shape(4, 5), new Shape(4, 5)));

    public static TheoryData<string> Names => Cases.Names;

    [Theory, MemberData(nameof(Names))]
    public void GradientsMatchFiniteDifferences(string name) => Cases[name].AssertGradients();

    [Theory, MemberData(nameof(Names))]
    public void ShapesAndParameters(string name) => Cases[name].AssertShapes();

    [Theory]
    [InlineData("relu", -2f, 0f)]
    [InlineData("relu", 0f, 0f)]
    [InlineData("relu", 1.5f, 1.5f)]
    [InlineData("leaky", -2f, -0.4f)]
    [InlineData("leaky", 3f, 3f)]
    [InlineData("scaled_tanh", 1f, 1f)]
    [InlineData("scaled_tanh", -1f, -1f)]
    [InlineData("sigmoid", 0f, 0.5f)]
    [InlineData("tanh", 0f, 0f)]
    public void Forward_KnownValues(string activation, float x, float expected)
    {
        ILayer layer = activation switch
        {
            "relu" => new ReLU(),
            "leaky" => new LeakyReLU(0.2f),
            "scaled_tanh" => new ScaledTanh(),
            "sigmoid" => new Sigmoid(),
            _ => new Tanh(),
        };
        var backend = new CpuBackend();
        layer.Build(backend, new Shape(1, 1));
        // x: (1, 1)
        using var input = backend.Allocate(new Shape(1, 1));
        input.CopyFrom([x]);

        // LeCun's scaled tanh is 1.7159 tanh(2x/3): f(±1) = ±1 to four digits.
        Assert.Equal(expected, layer.Forward(input, training: true).ToArray()[0], 4);
    }

    /// <summary>
    /// The tanh every backend computes is within 3 float ulps of double precision's, over ±20 in steps of 1e-4, near
    /// zero down to 1e-30, and saturates to ±1 and keeps NaN.
    /// </summary>
    [Fact]
    public void Tanh_IsWithinAFewUlpsOfDoublePrecision()
    {
        double worst = 0, worstAt = 0;
        void Check(float x)
        {
            double exact = Math.Tanh(x), error = Math.Abs(TanhOp.Tanh(x) - exact) / Math.Max(Math.Abs(exact), double.Epsilon);
            if (error > worst) (worst, worstAt) = (error, x);
        }
        for (int i = -200_000; i <= 200_000; i++) Check(i * 1e-4f);
        for (float x = 1e-30f; x < 1f; x *= 1.37f) { Check(x); Check(-x); }
        Assert.True(worst <= 3 * 5.96e-8, $"worst relative error {worst:E2} at x = {worstAt:R}");
        Assert.Equal(1f, TanhOp.Tanh(50f));
        Assert.Equal(-1f, TanhOp.Tanh(float.NegativeInfinity));
        Assert.True(float.IsNaN(TanhOp.Tanh(float.NaN)));
    }
}
