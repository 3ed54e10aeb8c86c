using MlNetConv.Backends.Cpu;
using MlNetConv.Geometry;
using MlNetConv.Graphs;
using MlNetConv.Init;
using MlNetConv.Layers;
using MlNetConv.Summary;
using MlNetConv.Tensors;
using MlNetConv.Tests.Support;

namespace MlNetConv.Tests.Layers;

/// <summary>
/// ConvTranspose1d/2d/3d: output sizes (in - 1)s - 2p + d(k - 1) + outputPadding + 1, weight counts Cin·Cout/groups·k
/// (+ Cout biases), finite-difference gradients of input, weight and bias, hand-computed values, the adjoint identity
/// with the convolution it transposes, and the bilinear initialisation.
/// </summary>
public sealed class ConvTransposeTests
{
    // Input (N, Cin, L) -> output (N, Cout, Lout).
    private static readonly LayerCases ConvTranspose1dCases = new(
        new("k3", () => new ConvTranspose1d(4, 3), new Shape(2, 3, 5), new Shape(2, 4, 7), 3 * 4 * 3 + 4),
        new("stride2", () => new ConvTranspose1d(3, 3, stride: 2), new Shape(2, 2, 4), new Shape(2, 3, 9), 2 * 3 * 3 + 3),
        // (4 - 1)·2 - 2 + 2 + 1 + 1 = 8: the output padding picks the even size that a stride-2 convolution maps to 4.
        new("stride2_pad1_outpad1", () => new ConvTranspose1d(3, 3, stride: 2, padding: 1, outputPadding: 1), new Shape(2, 2, 4), new Shape(2, 3, 8), 2 * 3 * 3 + 3),
        new("dilation2_stride3_outpad2", () => new ConvTranspose1d(2, 3, stride: 3, padding: 2, outputPadding: 2, dilation: 2), new Shape(1, 3, 4), new Shape(1, 2, 12), 3 * 2 * 3 + 2),
        new("groups2_nobias", () => new ConvTranspose1d(4, 3, stride: 2, groups: 2, bias: false), new Shape(2, 4, 3), new Shape(2, 4, 7), 4 * 2 * 3),
        // Begin and end cropped apart: (4 - 1)·2 - 1 - 2 + 3 + 1 = 7.
        new("k4_stride2_pads_1_2", () => new ConvTranspose1d(2, 4, 2, Padding.FromPads(1, 2)), new Shape(2, 3, 4), new Shape(2, 2, 7), 3 * 2 * 4 + 2));

    // Input (N, Cin, H, W) -> output (N, Cout, Hout, Wout).
    private static readonly LayerCases ConvTranspose2dCases = new(
        new("3x3", () => new ConvTranspose2d(3, 3), new Shape(2, 2, 3, 3), new Shape(2, 3, 5, 5), 2 * 3 * 9 + 3),
        // The usual exact doubling: k4, s2, p1.
        new("4x4_stride2_pad1", () => new ConvTranspose2d(3, 4, stride: 2, padding: 1), new Shape(2, 2, 3, 3), new Shape(2, 3, 6, 6), 2 * 3 * 16 + 3),
        new("3x3_stride2_pad1_outpad1", () => new ConvTranspose2d(3, 3, stride: 2, padding: 1, outputPadding: 1), new Shape(2, 3, 3, 3), new Shape(2, 3, 6, 6), 3 * 3 * 9 + 3),
        // FCN's upscore2 without padding: (3 - 1)·2 + 4 = 8.
        new("fcn_upscore2_nobias", () => new ConvTranspose2d(3, 4, stride: 2, bias: false), new Shape(1, 3, 3, 3), new Shape(1, 3, 8, 8), 3 * 3 * 16),
        new("rect_3x2_stride_2x1_pad_1x0_outpad_1x0", () => new ConvTranspose2d(3, (3, 2), (2, 1), (1, 0), (1, 0)), new Shape(2, 2, 3, 4), new Shape(2, 3, 6, 5), 2 * 3 * 6 + 3),
        new("dilation2_stride2", () => new ConvTranspose2d(2, 3, stride: 2, padding: 1, dilation: 2), new Shape(1, 3, 3, 3), new Shape(1, 2, 7, 7), 3 * 2 * 9 + 2),
        new("groups2", () => new ConvTranspose2d(4, 3, stride: 2, padding: 1, outputPadding: 1, groups: 2), new Shape(2, 4, 3, 3), new Shape(2, 4, 6, 6), 4 * 2 * 9 + 4),
        new("depthwise", () => new ConvTranspose2d(3, 2, stride: 2, groups: 3), new Shape(2, 3, 3, 3), new Shape(2, 3, 6, 6), 3 * 1 * 4 + 3),
        new("batch3_1x1_stride2", () => new ConvTranspose2d(2, 1, stride: 2), new Shape(3, 3, 3, 3), new Shape(3, 2, 5, 5), 3 * 2 + 2),
        // Same: out = in · stride, (3, 4) -> (3, 8); the 1x3 kernel at stride 2 crops one column, at the end.
        new("1x3_stride_1x2_same", () => new ConvTranspose2d(3, (1, 3), (1, 2), Padding.Same), new Shape(1, 2, 3, 4), new Shape(1, 3, 3, 8), 2 * 3 * 3 + 3),
        // (3 - 1)·2 - 0 - 1 + 2 + 1 + 1 = 7 rows, (3 - 1)·2 - 1 - 0 + 2 + 1 = 6 columns.
        new("3x3_stride2_pads_0_1_1_0_outpad_1x0", () => new ConvTranspose2d(2, 3, 2, Padding.FromPads(0, 1, 1, 0), outputPadding: (1, 0)),
            new Shape(2, 2, 3, 3), new Shape(2, 2, 7, 6), 2 * 2 * 9 + 2),
        new("2x3_dilation_2x1_stride_1x2_pads", () => new ConvTranspose2d(2, (2, 3), (1, 2), Padding.FromPads(1, 0, 0, 2), dilation: (2, 1)),
            new Shape(1, 3, 4, 3), new Shape(1, 2, 5, 5), 3 * 2 * 6 + 2));

    // Input (N, Cin, D, H, W) -> output (N, Cout, Dout, Hout, Wout).
    private static readonly LayerCases ConvTranspose3dCases = new(
        new("3x3x3_stride2_pad1_outpad1", () => new ConvTranspose3d(2, 3, stride: 2, padding: 1, outputPadding: 1), new Shape(1, 2, 2, 2, 2), new Shape(1, 2, 4, 4, 4), 2 * 2 * 27 + 2),
        new("2x2x2_stride2_groups2_nobias", () => new ConvTranspose3d(2, 2, stride: 2, groups: 2, bias: false), new Shape(2, 2, 2, 2, 2), new Shape(2, 2, 4, 4, 4), 2 * 1 * 8),
        new("232_stride_212_same_lower", () => new ConvTranspose3d(2, (2, 3, 2), (2, 1, 2), Padding.SameLower), new Shape(1, 2, 2, 3, 2), new Shape(1, 2, 4, 3, 4), 2 * 2 * 12 + 2));

    public static TheoryData<string> ConvTranspose1dNames => ConvTranspose1dCases.Names;
    public static TheoryData<string> ConvTranspose2dNames => ConvTranspose2dCases.Names;
    public static TheoryData<string> ConvTranspose3dNames => ConvTranspose3dCases.Names;

    [Theory, MemberData(nameof(ConvTranspose1dNames))]
    public void ConvTranspose1d_GradientsMatchFiniteDifferences(string name) => ConvTranspose1dCases[name].AssertGradients();

    [Theory, MemberData(nameof(ConvTranspose2dNames))]
    public void ConvTranspose2d_GradientsMatchFiniteDifferences(string name) => ConvTranspose2dCases[name].AssertGradients();

    [Theory, MemberData(nameof(ConvTranspose3dNames))]
    public void ConvTranspose3d_GradientsMatchFiniteDifferences(string name) => ConvTranspose3dCases[name].AssertGradients();

    [Theory, MemberData(nameof(ConvTranspose1dNames))]
    public void ConvTranspose1d_ShapesAndParameters(string name) => ConvTranspose1dCases[name].AssertShapes();

    [Theory, MemberData(nameof(ConvTranspose2dNames))]
    public void ConvTranspose2d_ShapesAndParameters(string name) => ConvTranspose2dCases[name].AssertShapes();

    [Theory, MemberData(nameof(ConvTranspose3dNames))]
    public void ConvTranspose3d_ShapesAndParameters(string name) => ConvTranspose3dCases[name].AssertShapes();

    [Theory]
    // Input [1, 2], kernel [1, 1, 1], stride 2: each input adds its kernel at 2i: [1 1 1 0 0] + [0 0 2 2 2].
    [InlineData(0, 0, new float[] { 1, 1, 3, 2, 2 })]
    // Padding 1 drops one element at each end; the output padding adds one back at the end.
    [InlineData(1, 0, new float[] { 1, 3, 2 })]
    [InlineData(1, 1, new float[] { 1, 3, 2, 2 })]
    public void ConvTranspose1d_AddsEachKernelAtStrideSteps(int padding, int outputPadding, float[] expected)
    {
        var backend = new CpuBackend();
        var layer = new ConvTranspose1d(1, 3, stride: 2, padding: padding, outputPadding: outputPadding, bias: false);
        // x: (1, 1, 2)
        layer.Build(backend, new Shape(1, 1, 2));
        layer.Weight.Value.CopyFrom([1, 1, 1]);
        using var x = backend.Allocate(new Shape(1, 1, 2));
        x.CopyFrom([1, 2]);

        Assert.Equal(expected, layer.Forward(x, training: false).ToArray());
    }

    /// <summary>⟨convT(x), y⟩ = ⟨x, conv(y)⟩ for one weight tensor: the layer is the transpose of the convolution it names.</summary>
    [Theory]
    [InlineData(1, 1, 0, 0, 1, 1)]
    [InlineData(3, 2, 1, 1, 1, 1)]
    [InlineData(3, 2, 1, 1, 2, 1)]
    [InlineData(4, 2, 0, 0, 1, 2)]
    [InlineData(3, 3, 2, 2, 2, 2)]
    public void ConvTranspose2d_IsTheAdjointOfConv2d(int kernel, int stride, int padding, int outputPadding, int dilation, int groups) =>
        // x: (2, 6, 4, 4) -> y: (2, 4, H, W)
        AssertAdjoint(new ConvTranspose2d(4, kernel, stride, padding, outputPadding, dilation, groups, bias: false),
            new Conv2d(6, kernel, stride, padding, dilation, groups, bias: false), new Shape(2, 6, 4, 4));

    /// <summary>The adjoint identity with per-axis kernels, strides and dilations and begin and end padding apart.</summary>
    [Theory]
    [InlineData(new[] { 3, 3, 2, 2 }, 0, 1)] // CNTK's stem pads
    [InlineData(new[] { 0, 2, 1, 0 }, 1, 0)]
    [InlineData(new[] { 1, 0, 0, 1 }, 0, 1)]
    public void ConvTranspose2d_WithBeginAndEndPadding_IsTheAdjointOfConv2d(int[] pads, int outputPaddingH, int outputPaddingW) =>
        // x: (2, 4, 4, 3) -> y: (2, 3, H, W)
        AssertAdjoint(new ConvTranspose2d(3, (5, 3), (2, 3), Padding.FromPads(pads), (outputPaddingH, outputPaddingW), (1, 2), bias: false),
            new Conv2d(4, (5, 3), (2, 3), Padding.FromPads(pads), (1, 2), bias: false), new Shape(2, 4, 4, 3));

    /// <summary>The convolution maps the transposed layer's output shape back to <paramref name="xShape"/>, and ⟨convT(x), y⟩ = ⟨x, conv(y)⟩.</summary>
    private static void AssertAdjoint(ConvTranspose2d transposed, Conv2d conv, Shape xShape)
    {
        var backend = new CpuBackend();
        var yShape = transposed.Build(backend, xShape);
        Assert.Equal(xShape, conv.Build(backend, yShape));
        Assert.Equal(conv.Weight.Shape, transposed.Weight.Shape);
        conv.Weight.Value.CopyFrom(transposed.Weight.Value.ToArray());
        using var x = backend.Allocate(xShape);
        using var y = backend.Allocate(yShape);
        x.CopyFrom(Values.Uniform()(xShape, new RandomStream(1)));
        y.CopyFrom(Values.Uniform()(yShape, new RandomStream(2)));

        double left = Dot(transposed.Forward(x, false).ToArray(), y.ToArray());
        double right = Dot(x.ToArray(), conv.Forward(y, false).ToArray());

        Assert.Equal(right, left, 1e-4 * Math.Max(1, Math.Abs(right)));
    }

    [Fact]
    public void SamePadding_GivesInputTimesStride_OrIsRejectedWhereTheKernelIsShorter()
    {
        var backend = new CpuBackend();
        Assert.Equal(new Shape(1, 2, 10, 12), new ConvTranspose2d(2, (4, 3), (2, 3), Padding.Same).Build(backend, new Shape(1, 3, 5, 4)));
        var error = Assert.Throws<ArgumentException>(() => new ConvTranspose1d(2, 1, 2, Padding.Same, name: "up").Build(backend, new Shape(1, 3, 5)));
        Assert.StartsWith("Layer 'up' (ConvTranspose1d): padding 'same' needs", error.Message);
    }

    [Fact]
    public void ToString_PrintsPerAxisValuesAndPaddingOnlyWhereNotDefault()
    {
        Assert.Equal("ConvTranspose2d(3, kernel_size=4, stride=2, padding=1)", new ConvTranspose2d(3, 4, 2, 1).ToString());
        Assert.Equal("ConvTranspose2d(3, kernel_size=(1, 3), stride=(1, 2), padding=((0, 0), (1, 2)), output_padding=(0, 1))",
            new ConvTranspose2d(3, (1, 3), (1, 2), Padding.FromPads(0, 1, 0, 2), (0, 1)).ToString());
        Assert.Equal("ConvTranspose3d(2, kernel_size=(2, 3, 2), padding=same_lower, dilation=(1, 2, 1))",
            new ConvTranspose3d(2, (2, 3, 2), padding: Padding.SameLower, dilation: (1, 2, 1)).ToString());
    }

    /// <summary>FCN's kernel 2s, stride s, initialised bilinear and cropped by s/2, interpolates as bilinear upsampling away from the border.</summary>
    [Fact]
    public void BilinearInitialisation_InterpolatesAsBilinearUpsamplingInside()
    {
        var backend = new CpuBackend();
        var upscore = new ConvTranspose2d(2, 4, stride: 2, padding: 1, bias: false) { WeightInit = Initializers.Bilinear() };
        var upsample = new Upsample(2, UpsampleMode.Linear);
        // x: (1, 2, 4, 4) -> (1, 2, 8, 8)
        var shape = new Shape(1, 2, 4, 4);
        upscore.Build(backend, shape);
        upsample.Build(backend, shape);
        using var x = backend.Allocate(shape);
        x.CopyFrom(Values.Uniform()(shape, new RandomStream(3)));

        var a = upscore.Forward(x, false).ToArray();
        var b = upsample.Forward(x, false).ToArray();

        for (int c = 0; c < 2; c++)
            for (int h = 1; h < 7; h++)
                for (int w = 1; w < 7; w++)
                    Assert.Equal(b[(c * 8 + h) * 8 + w], a[(c * 8 + h) * 8 + w], 1e-5);
        // The tent [1/4, 3/4, 3/4, 1/4] per axis, identity across channels.
        var weight = upscore.Weight.Value.ToArray();
        Assert.Equal(0.75f * 0.75f, weight[(0 * 2 + 0) * 16 + 1 * 4 + 1]);
        Assert.Equal(0.25f * 0.75f, weight[(1 * 2 + 1) * 16 + 0 * 4 + 2]);
        Assert.All(weight.Skip(16).Take(16), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void OutputPaddingNotBelowStride_IsRejectedWithAnExactMessage()
    {
        var error = Assert.Throws<ArgumentException>(() => new ConvTranspose2d(3, 3, stride: 2, outputPadding: 2));

        Assert.Equal("ConvTranspose2d: output_padding must be >= 0 and smaller than the stride, got output_padding 2 for stride 2.", error.Message);
    }

    [Fact]
    public void InChannelsNotDivisibleByGroups_NamesTheLayer()
    {
        var error = Assert.Throws<ArgumentException>(() => new ConvTranspose2d(4, 3, groups: 2, name: "up").Build(new CpuBackend(), new Shape(1, 3, 4, 4)));

        Assert.Equal("Layer 'up' (ConvTranspose2d): in_channels must be divisible by groups (3 % 2 != 0).", error.Message);
    }

    [Fact]
    public void Summary_CountsMultiplyAccumulatesAndNarrowsTheReceptiveFieldStep()
    {
        // conv 3x3/2: field 3, jump 2; the transposed 4x4/2 works on a grid twice as fine: 3 + 3·1 = 6, jump 1.
        var root = new NetworkBuilder().Conv2d(4, 3, stride: 2, padding: 1, name: "down").ConvTranspose2d(2, 4, stride: 2, padding: 1, name: "up").Build();
        var summary = ModelSummary.Of(root, new Shape(3, 8, 8));

        var up = summary["up"];
        Assert.Equal(new Shape(1, 2, 8, 8), up.OutputShape);
        // Every input pixel of every input channel meets every kernel tap of every output channel: 4·4·4 · 2·16.
        Assert.Equal(4L * 4 * 4 * 2 * 16, up.MultiplyAccumulates);
        Assert.Equal(4 * 2 * 16 + 2, up.Parameters);
        Assert.Equal(6, up.ReceptiveField.H);
        Assert.Equal("ConvTranspose2d(4, 2, kernel_size=4, stride=2, padding=1)", up.Layer);
    }

    private static double Dot(float[] a, float[] b) => a.Zip(b, (u, v) => (double)u * v).Sum();
}
