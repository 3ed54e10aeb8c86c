using MlNetConv.Backends.Cpu;
using MlNetConv.Geometry;
using MlNetConv.Layers;
using MlNetConv.Tensors;
using MlNetConv.Tests.Support;

namespace MlNetConv.Tests.Layers;

/// <summary>Maxout (max over groups of channels) and Lp pooling (the p-norm of every window, a sum as PyTorch's LPPool).</summary>
public sealed class ChannelAndLpPoolingTests
{
    /// <summary>Maxout compares channels at one position: distinct values over the whole tensor keep every maximum in place.</summary>
    private static readonly GradientCheckOptions DistinctEverywhere = new() { Input = (shape, random) => Values.Distinct(8 * GradientCheckOptions.DefaultStep)(new Shape(shape.Size), random) };

    private static readonly LayerCases MaxoutCases = new(
        new("k2_2d", () => new Maxout(2), new Shape(2, 4, 3, 3), new Shape(2, 2, 3, 3), Options: DistinctEverywhere),
        new("k3_1d", () => new Maxout(3), new Shape(2, 6, 4), new Shape(2, 2, 4), Options: DistinctEverywhere),
        new("k4_dense_features", () => new Maxout(4), new Shape(3, 8), new Shape(3, 2), Options: DistinctEverywhere),
        new("k1_identity", () => new Maxout(1), new Shape(1, 2, 2, 2), new Shape(1, 2, 2, 2)));

    // Lp pooling is smooth away from all-zero windows; uniform inputs never make one.
    private static readonly LayerCases LpCases = new(
        new("p2_2x2", () => new LPPool2d(2, 2), new Shape(2, 2, 4, 4), new Shape(2, 2, 2, 2)),
        new("p2_3x3_stride2_overlapping", () => new LPPool2d(2, 3, 2), new Shape(2, 2, 7, 7), new Shape(2, 2, 3, 3)),
        new("p3_2x2_ceil_odd", () => new LPPool2d(3, 2, ceilMode: true), new Shape(1, 2, 5, 5), new Shape(1, 2, 3, 3),
            Options: new() { Input = Values.AwayFromZero(4 * GradientCheckOptions.DefaultStep, 1) }),
        new("p1.5_1d", () => new LPPool1d(1.5f, 3), new Shape(2, 2, 9), new Shape(2, 2, 3),
            Options: new() { Input = Values.AwayFromZero(4 * GradientCheckOptions.DefaultStep, 1) }),
        new("p2_3d", () => new LPPool3d(2, 2), new Shape(1, 2, 4, 4, 4), new Shape(1, 2, 2, 2, 2)),
        // ONNX's LpPool: per-axis windows, strides and dilations, begin and end padding apart (zeros add nothing).
        new("p2_1x3_stride_1x2_dilation_1x2_pads", () => new LPPool2d(2, (1, 3), (1, 2), padding: Padding.FromPads(0, 1, 0, 2), dilation: (1, 2)),
            new Shape(1, 2, 3, 8), new Shape(1, 2, 3, 4)),
        new("p3_322_stride_122_same", () => new LPPool3d(3, (3, 2, 2), (1, 2, 2), padding: Padding.Same), new Shape(1, 1, 4, 5, 4), new Shape(1, 1, 4, 3, 2),
            Options: new() { Input = Values.AwayFromZero(4 * GradientCheckOptions.DefaultStep, 1) }));

    public static TheoryData<string> MaxoutNames => MaxoutCases.Names;
    public static TheoryData<string> LpNames => LpCases.Names;

    [Theory, MemberData(nameof(MaxoutNames))]
    public void Maxout_GradientsMatchFiniteDifferences(string name) => MaxoutCases[name].AssertGradients();

    [Theory, MemberData(nameof(MaxoutNames))]
    public void Maxout_ShapesAndParameters(string name) => MaxoutCases[name].AssertShapes();

    [Theory, MemberData(nameof(LpNames))]
    public void LPPool_GradientsMatchFiniteDifferences(string name) => LpCases[name].AssertGradients();

    [Theory, MemberData(nameof(LpNames))]
    public void LPPool_ShapesAndParameters(string name) => LpCases[name].AssertShapes();

    [Fact]
    public void Maxout_TakesTheMaximumOfConsecutiveChannels()
    {
        var backend = new CpuBackend();
        var layer = new Maxout(2);
        // x: (1, 4, 2): channels [1 5] [3 2] [-1 -4] [-2 0] -> [3 5] [-1 0]
        layer.Build(backend, new Shape(1, 4, 2));
        using var x = backend.Allocate(new Shape(1, 4, 2));
        x.CopyFrom([1, 5, 3, 2, -1, -4, -2, 0]);

        Assert.Equal([3, 5, -1, 0], layer.Forward(x, false).ToArray());
    }

    [Theory]
    // one 2x2 window of [3, -4, 0, 0]: L2 = sqrt(9 + 16) = 5 (a sum, not a mean); L1 = 7
    [InlineData(2f, 5f)]
    [InlineData(1f, 7f)]
    public void LPPool2d_IsThePNormOfTheWindow(float p, float expected)
    {
        var backend = new CpuBackend();
        var layer = new LPPool2d(p, 2);
        layer.Build(backend, new Shape(1, 1, 2, 2));
        using var x = backend.Allocate(new Shape(1, 1, 2, 2));
        x.CopyFrom([3, -4, 0, 0]);

        Assert.Equal(expected, layer.Forward(x, false).ToArray()[0], 1e-6f);
    }

    [Fact]
    public void LPPool2d_PaddedWindowsSumOnlyTheInput()
    {
        var backend = new CpuBackend();
        // x: (1, 1, 1, 3) = [3, 4, 12]; a 1x2 window with pads (0, 1, 0, 0): [0 3] [4 12] -> 3, 12.649
        var layer = new LPPool2d(2, (1, 2), padding: Padding.FromPads(0, 1, 0, 0));
        Assert.Equal(new Shape(1, 1, 1, 2), layer.Build(backend, new Shape(1, 1, 1, 3)));
        using var x = backend.Allocate(new Shape(1, 1, 1, 3));
        x.CopyFrom([3, 4, 12]);

        var y = layer.Forward(x, false).ToArray();
        Assert.Equal(3f, y[0], 1e-6f);
        Assert.Equal(MathF.Sqrt(160), y[1], 1e-5f);
        Assert.Equal("LPPool2d(2, kernel_size=(1, 2), padding=((0, 0), (1, 0)))", layer.ToString());
    }

    [Fact]
    public void Maxout_ChannelsNotDivisible_NamesTheLayer()
    {
        var error = Assert.Throws<ArgumentException>(() => new Maxout(3, "maxout").Build(new CpuBackend(), new Shape(1, 4, 2, 2)));

        Assert.Equal("Layer 'maxout' (Maxout): expected (N, C, ...) with C divisible by 3, got (1, 4, 2, 2).", error.Message);
    }
}
