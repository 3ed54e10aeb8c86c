using MlNetConv.Backends.Cpu;
using MlNetConv.Geometry;
using MlNetConv.Layers;
using MlNetConv.Tensors;
using MlNetConv.Tests.Support;

namespace MlNetConv.Tests.Layers;

/// <summary>Conv1d/2d/3d: output shapes, weight counts and finite-difference gradients of input, weight and bias.</summary>
public sealed class ConvolutionTests
{
    // Input (N, C, L) -> output (N, Cout, Lout); weights Cout·Cin/groups·k + bias.
    private static readonly LayerCases Conv1dCases = new(
        new("k3", () => new Conv1d(4, 3), new Shape(2, 3, 9), new Shape(2, 4, 7), 4 * 3 * 3 + 4),
        new("stride2_pad1", () => new Conv1d(4, 3, stride: 2, padding: 1), new Shape(2, 3, 10), new Shape(2, 4, 5), 4 * 3 * 3 + 4),
        new("valid_k5", () => new Conv1d(4, 5, padding: Padding.Valid), new Shape(1, 2, 11), new Shape(1, 4, 7), 4 * 2 * 5 + 4),
        // ceil(9 / 2) = 5 outputs need 3 padding zeros: 1 before, 2 after.
        new("same_k4_stride2_odd", () => new Conv1d(3, 4, stride: 2, padding: Padding.Same), new Shape(2, 2, 9), new Shape(2, 3, 5), 3 * 2 * 4 + 3),
        new("dilation2", () => new Conv1d(4, 3, padding: 2, dilation: 2), new Shape(2, 3, 11), new Shape(2, 4, 11), 4 * 3 * 3 + 4),
        new("groups2_nobias", () => new Conv1d(4, 3, groups: 2, bias: false), new Shape(2, 4, 8), new Shape(2, 4, 6), 4 * 2 * 3),
        new("depthwise_multiplier2_batch3", () => new Conv1d(6, 3, padding: 1, groups: 3), new Shape(3, 3, 7), new Shape(3, 6, 7), 6 * 1 * 3 + 6),
        // Begin and end padding apart: pads (3, 0) make a causal convolution that keeps the length.
        new("k4_causal_pads_3_0", () => new Conv1d(2, 4, padding: Padding.FromPads(3, 0)), new Shape(2, 3, 7), new Shape(2, 2, 7), 2 * 3 * 4 + 2),
        new("k4_stride2_same_lower", () => new Conv1d(3, 4, 2, Padding.SameLower), new Shape(2, 2, 9), new Shape(2, 3, 5), 3 * 2 * 4 + 3));

    // Input (N, C, H, W) -> output (N, Cout, Hout, Wout).
    private static readonly LayerCases Conv2dCases = new(
        new("3x3", () => new Conv2d(4, 3), new Shape(2, 3, 6, 6), new Shape(2, 4, 4, 4), 4 * 3 * 9 + 4),
        new("stride2_pad1", () => new Conv2d(4, 3, stride: 2, padding: 1), new Shape(2, 3, 7, 7), new Shape(2, 4, 4, 4), 4 * 3 * 9 + 4),
        new("explicit_pad_1x2", () => new Conv2d(3, 3, padding: Padding.Explicit(1, 2)), new Shape(1, 2, 5, 6), new Shape(1, 3, 5, 8), 3 * 2 * 9 + 3),
        new("valid_5x5", () => new Conv2d(4, 5, padding: Padding.Valid), new Shape(1, 2, 9, 9), new Shape(1, 4, 5, 5), 4 * 2 * 25 + 4),
        new("same_3x3", () => new Conv2d(4, 3, padding: Padding.Same), new Shape(2, 3, 6, 6), new Shape(2, 4, 6, 6), 4 * 3 * 9 + 4),
        // ceil(7 / 2) = 4 outputs with a 4x4 kernel need 3 padding zeros per axis: 1 before, 2 after.
        new("same_4x4_stride2_odd", () => new Conv2d(3, 4, stride: 2, padding: Padding.Same), new Shape(2, 2, 7, 7), new Shape(2, 3, 4, 4), 3 * 2 * 16 + 3),
        new("same_rect_3x2_stride_2x1", () => new Conv2d(3, (3, 2), (2, 1), Padding.Same), new Shape(1, 2, 5, 6), new Shape(1, 3, 3, 6), 3 * 2 * 6 + 3),
        new("dilation2", () => new Conv2d(4, 3, padding: 2, dilation: 2), new Shape(2, 3, 7, 7), new Shape(2, 4, 7, 7), 4 * 3 * 9 + 4),
        new("dilation2_stride2", () => new Conv2d(4, 3, stride: 2, padding: 2, dilation: 2), new Shape(1, 3, 8, 8), new Shape(1, 4, 4, 4), 4 * 3 * 9 + 4),
        new("groups2", () => new Conv2d(4, 3, padding: 1, groups: 2), new Shape(2, 4, 5, 5), new Shape(2, 4, 5, 5), 4 * 2 * 9 + 4),
        new("groups3_nobias", () => new Conv2d(6, 3, groups: 3, bias: false), new Shape(1, 6, 5, 5), new Shape(1, 6, 3, 3), 6 * 2 * 9),
        new("depthwise", () => new Conv2d(4, 3, padding: 1, groups: 4), new Shape(2, 4, 5, 5), new Shape(2, 4, 5, 5), 4 * 1 * 9 + 4),
        // LeNet-5's C3 table: 60 connections of one 3x3 kernel each, 16 biases.
        new("lenet5_c3_table", () => new Conv2d(16, 3, connections: ConnectionTable.LeNet5C3), new Shape(1, 6, 7, 7), new Shape(1, 16, 5, 5), 60 * 9 + 16),
        new("rect_2x3_stride_1x2", () => new Conv2d(4, (2, 3), (1, 2), Padding.Explicit(1, 0)), new Shape(2, 3, 6, 7), new Shape(2, 4, 7, 3), 4 * 3 * 6 + 4),
        new("odd_9x7_stride2_batch3", () => new Conv2d(5, 3, stride: 2), new Shape(3, 3, 9, 7), new Shape(3, 5, 4, 3), 5 * 3 * 9 + 5),
        new("batch1_nobias", () => new Conv2d(4, 3, padding: 1, bias: false), new Shape(1, 3, 5, 5), new Shape(1, 4, 5, 5), 4 * 3 * 9),
        new("1x1_stride2", () => new Conv2d(5, 1, stride: 2), new Shape(2, 3, 5, 5), new Shape(2, 5, 3, 3), 5 * 3 + 5),
        // Per-axis kernels, strides and dilations with begin and end padding apart: Inception's 1x7, CNTK's ResNet-18 stem.
        new("inception_1x7_pad_0x3", () => new Conv2d(3, (1, 7), padding: (0, 3)), new Shape(1, 2, 3, 9), new Shape(1, 3, 3, 9), 3 * 2 * 7 + 3),
        new("cntk_stem_7x7_stride2_pads_3_3_2_2", () => new Conv2d(3, 7, 2, Padding.FromPads(3, 3, 2, 2)), new Shape(1, 2, 11, 12), new Shape(1, 3, 5, 6), 3 * 2 * 49 + 3),
        new("3x2_stride_1x2_dilation_2x1_pads", () => new Conv2d(4, (3, 2), (1, 2), Padding.FromPads(2, 0, 1, 1), dilation: (2, 1)), new Shape(2, 3, 6, 7),
            new Shape(2, 4, 5, 4), 4 * 3 * 6 + 4),
        new("4x3_stride2_same_lower_groups2", () => new Conv2d(4, (4, 3), 2, Padding.SameLower, groups: 2), new Shape(1, 2, 7, 8), new Shape(1, 4, 4, 4), 4 * 1 * 12 + 4));

    // Input (N, C, D, H, W) -> output (N, Cout, Dout, Hout, Wout).
    private static readonly LayerCases Conv3dCases = new(
        new("3x3x3", () => new Conv3d(3, 3), new Shape(2, 2, 5, 5, 5), new Shape(2, 3, 3, 3, 3), 3 * 2 * 27 + 3),
        new("stride2_pad1", () => new Conv3d(3, 3, stride: 2, padding: 1), new Shape(1, 2, 6, 6, 6), new Shape(1, 3, 3, 3, 3), 3 * 2 * 27 + 3),
        new("valid_odd_4x3x5", () => new Conv3d(2, 2, padding: Padding.Valid), new Shape(1, 3, 4, 3, 5), new Shape(1, 2, 3, 2, 4), 2 * 3 * 8 + 2),
        // ceil(5 / 2) = 3 outputs with a 2-kernel need one padding zero, after.
        new("same_stride2_odd", () => new Conv3d(2, 2, stride: 2, padding: Padding.Same), new Shape(1, 2, 5, 5, 5), new Shape(1, 2, 3, 3, 3), 2 * 2 * 8 + 2),
        new("dilation2", () => new Conv3d(2, 3, dilation: 2), new Shape(1, 2, 6, 6, 6), new Shape(1, 2, 2, 2, 2), 2 * 2 * 27 + 2),
        new("groups2_nobias_batch3", () => new Conv3d(4, 3, padding: 1, groups: 2, bias: false), new Shape(3, 4, 4, 4, 4), new Shape(3, 4, 4, 4, 4), 4 * 2 * 27),
        new("322_stride_212_dilation_121_pads", () => new Conv3d(2, (3, 2, 2), (2, 1, 2), Padding.FromPads(1, 0, 2, 2, 1, 0), dilation: (1, 2, 1)),
            new Shape(1, 2, 5, 4, 6), new Shape(1, 2, 3, 3, 4), 2 * 2 * 12 + 2));

    public static TheoryData<string> Conv1dNames => Conv1dCases.Names;
    public static TheoryData<string> Conv2dNames => Conv2dCases.Names;
    public static TheoryData<string> Conv3dNames => Conv3dCases.Names;

    [Theory, MemberData(nameof(Conv1dNames))]
    public void Conv1d_GradientsMatchFiniteDifferences(string name) => Conv1dCases[name].AssertGradients();

    [Theory, MemberData(nameof(Conv2dNames))]
    public void Conv2d_GradientsMatchFiniteDifferences(string name) => Conv2dCases[name].AssertGradients();

    [Theory, MemberData(nameof(Conv3dNames))]
    public void Conv3d_GradientsMatchFiniteDifferences(string name) => Conv3dCases[name].AssertGradients();

    [Theory, MemberData(nameof(Conv1dNames))]
    public void Conv1d_ShapesAndParameters(string name) => Conv1dCases[name].AssertShapes();

    [Theory, MemberData(nameof(Conv2dNames))]
    public void Conv2d_ShapesAndParameters(string name) => Conv2dCases[name].AssertShapes();

    [Theory, MemberData(nameof(Conv3dNames))]
    public void Conv3d_ShapesAndParameters(string name) => Conv3dCases[name].AssertShapes();

    /// <summary>Stride 2 over 7 with a 4-kernel needs 3 zeros: the odd one after (same, SAME_UPPER) or before (same_lower).</summary>
    [Theory]
    [InlineData(PaddingMode.Same, 1, 2)]
    [InlineData(PaddingMode.SameLower, 2, 1)]
    public void SamePadding_StrideTwoOddInput_PutsTheOddZeroAtOneEnd(PaddingMode mode, int begin, int end)
    {
        var conv = new Conv2d(3, 4, stride: 2, padding: mode == PaddingMode.Same ? Padding.Same : Padding.SameLower);
        // x: (1, 2, 7, 7)
        conv.Build(new CpuBackend(), new Shape(1, 2, 7, 7));

        Assert.Equal(new Int3(0, begin, begin), conv.Geometry.PadBegin);
        Assert.Equal(new Int3(0, end, end), conv.Geometry.PadEnd);
    }

    /// <summary>A 1x3 kernel is three shifted adds along each row; pads (0, 2, 0, 0) shift the window two to the left.</summary>
    [Fact]
    public void Kernel1x3_IsThreeShiftedAddsAlongARow()
    {
        var backend = new CpuBackend(new CpuBackendOptions { ReferenceKernels = true });
        var conv = new Conv2d(1, (1, 3), padding: Padding.FromPads(0, 2, 0, 0), bias: false);
        // x: (1, 1, 2, 4) -> y: (1, 1, 2, 4), y[h, w] = 1·x[h, w - 2] + 10·x[h, w - 1] + 100·x[h, w]
        Assert.Equal(new Shape(1, 1, 2, 4), conv.Build(backend, new Shape(1, 1, 2, 4)));
        conv.Weight.Value.CopyFrom([1, 10, 100]);
        using var x = backend.Allocate(new Shape(1, 1, 2, 4));
        x.CopyFrom([1, 2, 3, 4, 5, 6, 7, 8]);

        Assert.Equal([100, 210, 321, 432, 500, 650, 765, 876], conv.Forward(x, false).ToArray());
        Assert.Equal([100, 210, 321, 432, 500, 650, 765, 876], Run(new CpuBackend(), conv, x.ToArray()));
    }

    [Fact]
    public void ToString_PrintsPerAxisValuesAndPaddingOnlyWhereNotDefault()
    {
        Assert.Equal("Conv2d(64, kernel_size=7, stride=2, padding=3, bias=False)", new Conv2d(64, 7, 2, 3, bias: false).ToString());
        Assert.Equal("Conv2d(8, kernel_size=(1, 7), padding=(0, 3))", new Conv2d(8, (1, 7), padding: (0, 3)).ToString());
        Assert.Equal("Conv2d(8, kernel_size=7, stride=2, padding=((3, 2), (3, 2)))", new Conv2d(8, 7, 2, Padding.FromPads(3, 3, 2, 2)).ToString());
        Assert.Equal("Conv3d(2, kernel_size=(3, 2, 2), stride=(2, 1, 2), dilation=(1, 2, 1))", new Conv3d(2, (3, 2, 2), (2, 1, 2), dilation: (1, 2, 1)).ToString());
        Assert.Equal("Conv1d(2, kernel_size=4, padding=((3, 0),))", new Conv1d(2, 4, padding: Padding.FromPads(3, 0)).ToString());
        Assert.Equal("Conv1d(2, kernel_size=4, padding=same_lower)", new Conv1d(2, 4, padding: Padding.SameLower).ToString());
    }

    [Fact]
    public void PerAxisValues_ForAnotherRank_NameTheLayerAndTheArgument()
    {
        Assert.Equal("Conv2d: dilation needs 1 or 2 values, got 3.", Assert.Throws<ArgumentException>(() => new Conv2d(4, 3, dilation: (1, 2, 1))).Message);
        Assert.Equal("Conv1d: kernel_size needs 1 value, got 2.", Assert.Throws<ArgumentException>(() => new Conv1d(4, (3, 3))).Message);
        var error = Assert.Throws<ArgumentException>(() => new Conv2d(4, 3, padding: Padding.Explicit([1, 1, 1], [0]), name: "c").Build(new CpuBackend(), new Shape(1, 1, 5, 5)));
        Assert.Equal("Layer 'c' (Conv2d): padding needs 1 or 2 values, got 3.", error.Message);
        Assert.Equal("padding needs as many begin as end values (or one of either), got 2 and 3.", Assert.Throws<ArgumentException>(() => Padding.Explicit([1, 1], [0, 0, 0])).Message);
        Assert.Equal("pads needs the begins then the ends of every spatial dimension (an even count), got 3 values.", Assert.Throws<ArgumentException>(() => Padding.FromPads(1, 1, 0)).Message);
    }

    private static float[] Run(CpuBackend backend, Convolution template, float[] x)
    {
        var conv = new Conv2d(template.OutChannels, template.KernelSize, template.Stride, template.Padding, template.Dilation, bias: false);
        conv.Build(backend, template.InputShape);
        conv.Weight.Value.CopyFrom(template.Weight.Value.ToArray());
        using var input = backend.Allocate(template.InputShape);
        input.CopyFrom(x);
        return conv.Forward(input, false).ToArray();
    }
}
