using MlNetConv.Backends.Cpu;
using MlNetConv.Geometry;
using MlNetConv.Layers;
using MlNetConv.Tensors;
using MlNetConv.Tests.Support;

namespace MlNetConv.Tests.Layers;

/// <summary>
/// Max and average pooling in 1, 2 and 3 dimensions, per-axis windows and begin and end padding apart: shapes,
/// finite-difference gradients, hand-computed values.
/// </summary>
public sealed class PoolingTests
{
    /// <summary>A maximum changes place only where two taps come closer than the stencil's reach: distinct inputs keep every window's order.</summary>
    private static readonly GradientCheckOptions DistinctInputs = GradientCheckOptions.DistinctInputs;

    // Input (N, C, L) -> output (N, C, Lout).
    private static readonly LayerCases Pool1dCases = new(
        new("max_2_2", () => new MaxPool1d(2), new Shape(2, 3, 8), new Shape(2, 3, 4), Options: DistinctInputs),
        new("max_3_2_overlapping", () => new MaxPool1d(3, 2), new Shape(2, 3, 9), new Shape(2, 3, 4), Options: DistinctInputs),
        new("max_3_2_pad1", () => new MaxPool1d(3, 2, padding: 1), new Shape(2, 2, 8), new Shape(2, 2, 4), Options: DistinctInputs),
        new("max_2_2_ceil_odd", () => new MaxPool1d(2, 2, ceilMode: true), new Shape(2, 2, 7), new Shape(2, 2, 4), Options: DistinctInputs),
        new("max_2_1_dilation2", () => new MaxPool1d(2, 1, dilation: 2), new Shape(1, 2, 7), new Shape(1, 2, 5), Options: DistinctInputs),
        new("avg_2_2", () => new AvgPool1d(2), new Shape(2, 3, 8), new Shape(2, 3, 4)),
        new("avg_3_2_overlapping", () => new AvgPool1d(3, 2), new Shape(2, 3, 9), new Shape(2, 3, 4)),
        new("avg_3_2_pad1", () => new AvgPool1d(3, 2, padding: 1), new Shape(2, 2, 8), new Shape(2, 2, 4)),
        new("avg_3_2_pad1_exclude_pad", () => new AvgPool1d(3, 2, padding: 1, countIncludePad: false), new Shape(2, 2, 8), new Shape(2, 2, 4)),
        new("avg_2_2_ceil_odd", () => new AvgPool1d(2, 2, ceilMode: true), new Shape(2, 2, 7), new Shape(2, 2, 4)),
        // Begin and end padding apart (ONNX's pads): (9 + 2 + 1 - 4) / 2 + 1 = 5 windows.
        new("max_4_2_pads_2_1", () => new MaxPool1d(4, 2, Padding.FromPads(2, 1)), new Shape(2, 2, 9), new Shape(2, 2, 5), Options: DistinctInputs),
        new("avg_3_2_pads_0_2", () => new AvgPool1d(3, 2, Padding.FromPads(0, 2)), new Shape(2, 2, 8), new Shape(2, 2, 4)),
        new("avg_4_1_same_lower", () => new AvgPool1d(4, 1, Padding.SameLower, countIncludePad: false), new Shape(1, 2, 7), new Shape(1, 2, 7)));

    // Input (N, C, H, W) -> output (N, C, Hout, Wout).
    private static readonly LayerCases Pool2dCases = new(
        new("max_2x2_2", () => new MaxPool2d(2), new Shape(2, 3, 6, 6), new Shape(2, 3, 3, 3), Options: DistinctInputs),
        new("max_3x3_2_alexnet", () => new MaxPool2d(3, 2), new Shape(2, 2, 7, 7), new Shape(2, 2, 3, 3), Options: DistinctInputs),
        new("max_3x3_2_pad1", () => new MaxPool2d(3, 2, padding: 1), new Shape(2, 2, 6, 6), new Shape(2, 2, 3, 3), Options: DistinctInputs),
        new("max_3x3_1_pad1_inception", () => new MaxPool2d(3, 1, padding: 1), new Shape(1, 3, 5, 5), new Shape(1, 3, 5, 5), Options: DistinctInputs),
        new("max_2x2_2_ceil_odd", () => new MaxPool2d(2, 2, ceilMode: true), new Shape(1, 2, 5, 5), new Shape(1, 2, 3, 3), Options: DistinctInputs),
        new("max_3x3_2_pad1_ceil", () => new MaxPool2d(3, 2, padding: 1, ceilMode: true), new Shape(1, 2, 6, 6), new Shape(1, 2, 4, 4), Options: DistinctInputs),
        new("max_2x2_1_dilation2", () => new MaxPool2d(2, 1, dilation: 2), new Shape(1, 2, 5, 5), new Shape(1, 2, 3, 3), Options: DistinctInputs),
        new("max_batch3_odd", () => new MaxPool2d(2), new Shape(3, 2, 7, 5), new Shape(3, 2, 3, 2), Options: DistinctInputs),
        new("avg_2x2_2", () => new AvgPool2d(2), new Shape(2, 3, 6, 6), new Shape(2, 3, 3, 3)),
        new("avg_3x3_2_overlapping", () => new AvgPool2d(3, 2), new Shape(2, 2, 7, 7), new Shape(2, 2, 3, 3)),
        new("avg_3x3_2_pad1", () => new AvgPool2d(3, 2, padding: 1), new Shape(2, 2, 6, 6), new Shape(2, 2, 3, 3)),
        new("avg_3x3_2_pad1_exclude_pad", () => new AvgPool2d(3, 2, padding: 1, countIncludePad: false), new Shape(2, 2, 6, 6), new Shape(2, 2, 3, 3)),
        new("avg_2x2_2_ceil_odd", () => new AvgPool2d(2, 2, ceilMode: true), new Shape(1, 2, 5, 5), new Shape(1, 2, 3, 3)),
        new("avg_3x3_2_pad1_ceil_exclude_pad", () => new AvgPool2d(3, 2, padding: 1, ceilMode: true, countIncludePad: false), new Shape(1, 2, 6, 6), new Shape(1, 2, 4, 4)),
        new("avg_2x2_2_lenet_batch3", () => new AvgPool2d(2), new Shape(3, 2, 4, 4), new Shape(3, 2, 2, 2)),
        // Per-axis windows, strides, dilations and begin and end padding apart: Inception's 1x7, CNTK's ResNet-18 pads.
        new("max_1x7_pads_0_3_0_2", () => new MaxPool2d((1, 7), 1, Padding.FromPads(0, 3, 0, 2)), new Shape(1, 2, 3, 9), new Shape(1, 2, 3, 8), Options: DistinctInputs),
        new("max_3x2_stride_2x1_dilation_1x2_pads", () => new MaxPool2d((3, 2), (2, 1), Padding.FromPads(1, 0, 0, 1), dilation: (1, 2)),
            new Shape(1, 2, 7, 6), new Shape(1, 2, 3, 5), Options: DistinctInputs),
        new("avg_3x3_2_cntk_pads_1_1_0_0", () => new AvgPool2d(3, 2, Padding.FromPads(1, 1, 0, 0)), new Shape(2, 2, 8, 8), new Shape(2, 2, 4, 4)),
        new("avg_2x3_stride_1x2_pads_exclude_pad", () => new AvgPool2d((2, 3), (1, 2), Padding.FromPads(1, 2, 0, 1), countIncludePad: false),
            new Shape(1, 2, 5, 7), new Shape(1, 2, 5, 4)),
        new("avg_3x3_2_pads_0_1_1_0_ceil", () => new AvgPool2d(3, 2, Padding.FromPads(0, 1, 1, 0), ceilMode: true), new Shape(1, 2, 6, 6), new Shape(1, 2, 3, 3)));

    // Input (N, C, D, H, W) -> output (N, C, Dout, Hout, Wout).
    private static readonly LayerCases Pool3dCases = new(
        new("max_2_2", () => new MaxPool3d(2), new Shape(1, 2, 4, 4, 4), new Shape(1, 2, 2, 2, 2), Options: DistinctInputs),
        new("max_3_2_overlapping_pad1", () => new MaxPool3d(3, 2, padding: 1), new Shape(1, 2, 5, 5, 5), new Shape(1, 2, 3, 3, 3), Options: DistinctInputs),
        new("max_2_2_ceil_odd", () => new MaxPool3d(2, 2, ceilMode: true), new Shape(2, 1, 5, 5, 5), new Shape(2, 1, 3, 3, 3), Options: DistinctInputs),
        new("avg_2_2", () => new AvgPool3d(2), new Shape(1, 2, 4, 4, 4), new Shape(1, 2, 2, 2, 2)),
        new("avg_3_2_overlapping", () => new AvgPool3d(3, 2), new Shape(1, 2, 5, 5, 5), new Shape(1, 2, 2, 2, 2)),
        new("avg_3_2_pad1_exclude_pad", () => new AvgPool3d(3, 2, padding: 1, countIncludePad: false), new Shape(1, 2, 5, 5, 5), new Shape(1, 2, 3, 3, 3)),
        new("avg_2_2_ceil_odd", () => new AvgPool3d(2, 2, ceilMode: true), new Shape(2, 1, 5, 5, 5), new Shape(2, 1, 3, 3, 3)),
        new("max_322_stride_212_pads", () => new MaxPool3d((3, 2, 2), (2, 1, 2), Padding.FromPads(1, 0, 1, 2, 1, 0)), new Shape(1, 2, 5, 4, 5),
            new Shape(1, 2, 3, 4, 3), Options: DistinctInputs),
        new("avg_322_stride_122_same", () => new AvgPool3d((3, 2, 2), (1, 2, 2), Padding.Same), new Shape(1, 1, 4, 5, 4), new Shape(1, 1, 4, 3, 2)));

    public static TheoryData<string> Pool1dNames => Pool1dCases.Names;
    public static TheoryData<string> Pool2dNames => Pool2dCases.Names;
    public static TheoryData<string> Pool3dNames => Pool3dCases.Names;

    [Theory, MemberData(nameof(Pool1dNames))]
    public void Pool1d_GradientsMatchFiniteDifferences(string name) => Pool1dCases[name].AssertGradients();

    [Theory, MemberData(nameof(Pool2dNames))]
    public void Pool2d_GradientsMatchFiniteDifferences(string name) => Pool2dCases[name].AssertGradients();

    [Theory, MemberData(nameof(Pool3dNames))]
    public void Pool3d_GradientsMatchFiniteDifferences(string name) => Pool3dCases[name].AssertGradients();

    [Theory, MemberData(nameof(Pool1dNames))]
    public void Pool1d_ShapesAndParameters(string name) => Pool1dCases[name].AssertShapes();

    [Theory, MemberData(nameof(Pool2dNames))]
    public void Pool2d_ShapesAndParameters(string name) => Pool2dCases[name].AssertShapes();

    [Theory, MemberData(nameof(Pool3dNames))]
    public void Pool3d_ShapesAndParameters(string name) => Pool3dCases[name].AssertShapes();

    /// <summary>Average pooling divides as PyTorch does; the gradient checks only see that backward matches forward.</summary>
    [Theory]
    // windows [1 2] [3 4] [5]: the last is clipped by ceil mode and divided by the one tap it has
    [InlineData(5, 2, 2, 0, true, true, new float[] { 1.5f, 3.5f, 5f })]
    // windows [0 1 2] [2 3 4] [4 5 6] with a padding zero in front, included in the divisor or not
    [InlineData(6, 3, 2, 1, false, true, new float[] { 1f, 3f, 5f })]
    [InlineData(6, 3, 2, 1, false, false, new float[] { 1.5f, 3f, 5f })]
    // ceil mode adds [6 0 .]: the divisor counts the end padding (2), not what lies beyond it
    [InlineData(6, 3, 2, 1, true, true, new float[] { 1f, 3f, 5f, 3f })]
    [InlineData(6, 3, 2, 1, true, false, new float[] { 1.5f, 3f, 5f, 6f })]
    public void AvgPool1d_DividesAsPyTorch(int length, int kernel, int stride, int padding, bool ceilMode, bool countIncludePad, float[] expected) =>
        AssertAverages(length, new AvgPool1d(kernel, stride, padding, ceilMode, countIncludePad), expected);

    /// <summary>
    /// With begin and end padding apart the divisor counts the window up to the padded end, in + padEnd (onnxruntime's
    /// AveragePool with count_include_pad), or only the taps inside the input.
    /// </summary>
    [Theory]
    // pads (0, 2): windows [1 2 3] [3 4 5] [5 6 0]: the last divides by 3 (its zero is padding) or by 2
    [InlineData(0, 2, false, true, new float[] { 2f, 4f, 11f / 3 })]
    [InlineData(0, 2, false, false, new float[] { 2f, 4f, 5.5f })]
    // pads (2, 1): windows [0 0 1] [1 2 3] [3 4 5] [5 6 0]
    [InlineData(2, 1, false, true, new float[] { 1f / 3, 2f, 4f, 11f / 3 })]
    [InlineData(2, 1, false, false, new float[] { 1f, 2f, 4f, 5.5f })]
    // pads (0, 0) in ceil mode: a last window [5 6 .] reaching past the padded end divides by the 2 inside it
    [InlineData(0, 0, true, true, new float[] { 2f, 4f, 5.5f })]
    // pads (1, 0) in ceil mode: [0 1 2] [2 3 4] [4 5 6]; a 4th window would start in the end padding
    [InlineData(1, 0, true, true, new float[] { 1f, 3f, 5f })]
    public void AvgPool1d_BeginAndEndPadding_DivideAsOnnxRuntime(int begin, int end, bool ceilMode, bool countIncludePad, float[] expected) =>
        AssertAverages(6, new AvgPool1d(3, 2, Padding.FromPads(begin, end), ceilMode, countIncludePad), expected);

    /// <summary>A 1x3 window is the maximum of three neighbours along a row, a 3x1 along a column; pads (0, 1, 0, 1) keep the width.</summary>
    [Fact]
    public void MaxPool2d_1x3_IsTheMaximumOfThreeNeighboursInARow()
    {
        var backend = new CpuBackend();
        var input = new Shape(1, 1, 3, 4);
        // x: (1, 1, 3, 4)
        var values = new float[] { 1, 7, 3, 2, 9, 0, 4, 6, 5, 8, 2, 1 };
        using var x = backend.Allocate(input);
        x.CopyFrom(values);

        var row = new MaxPool2d((1, 3), 1, Padding.FromPads(0, 1, 0, 1));
        Assert.Equal(input, row.Build(backend, input));
        Assert.Equal([7, 7, 7, 3, 9, 9, 6, 6, 8, 8, 8, 2], row.Forward(x, false).ToArray());

        var column = new MaxPool2d((3, 1), (1, 1));
        Assert.Equal(new Shape(1, 1, 1, 4), column.Build(backend, input));
        Assert.Equal([9, 8, 4, 6], column.Forward(x, false).ToArray());
    }

    [Fact]
    public void ToString_PrintsPerAxisValuesAndPaddingOnlyWhereNotDefault()
    {
        Assert.Equal("MaxPool2d(kernel_size=3, stride=2)", new MaxPool2d(3, 2).ToString());
        Assert.Equal("MaxPool2d(kernel_size=(1, 7), stride=1, padding=(0, 3))", new MaxPool2d((1, 7), 1, (0, 3)).ToString());
        Assert.Equal("MaxPool2d(kernel_size=3, stride=2, padding=((1, 0), (1, 0)))", new MaxPool2d(3, 2, Padding.FromPads(1, 1, 0, 0)).ToString());
        Assert.Equal("MaxPool3d(kernel_size=(3, 2, 2), dilation=(1, 2, 1))", new MaxPool3d((3, 2, 2), dilation: (1, 2, 1)).ToString());
        Assert.Equal("AvgPool1d(kernel_size=4, stride=1, padding=same_lower, count_include_pad=False)",
            new AvgPool1d(4, 1, Padding.SameLower, countIncludePad: false).ToString());
        Assert.Equal("AvgPool2d(kernel_size=(2, 3), stride=(1, 2), padding=((1, 0), (2, 1)))",
            new AvgPool2d((2, 3), (1, 2), Padding.FromPads(1, 2, 0, 1)).ToString());
    }

    [Fact]
    public void PerAxisValues_ForAnotherRank_NameTheLayerAndTheArgument()
    {
        Assert.Equal("MaxPool2d: kernel_size needs 1 or 2 values, got 3.", Assert.Throws<ArgumentException>(() => new MaxPool2d((3, 3, 3))).Message);
        Assert.Equal("AvgPool3d: stride needs 1 or 3 values, got 2.", Assert.Throws<ArgumentException>(() => new AvgPool3d(2, (2, 1))).Message);
    }

    [Fact]
    public void BeginAndEndPadding_MayReachBelowTheKernelButNotTo()
    {
        // ONNX's limit for pads given apart: smaller than the kernel (PyTorch's symmetric padding stops at half of it).
        var backend = new CpuBackend();
        Assert.Equal(new Shape(1, 1, 6), new MaxPool1d(3, 1, Padding.FromPads(2, 0)).Build(backend, new Shape(1, 1, 6)));
        var error = Assert.Throws<ArgumentException>(() => new MaxPool1d(3, 1, Padding.FromPads(0, 3), name: "pool").Build(backend, new Shape(1, 1, 6))).Message;
        Assert.Equal("Layer 'pool' (MaxPool1d): padding must be smaller than the kernel, got padding (0, 3) for kernel 3.", error);
    }

    private static void AssertAverages(int length, AvgPool1d pool, float[] expected)
    {
        var backend = new CpuBackend();
        // x: (1, 1, length) = 1, 2, ..., length
        var input = new Shape(1, 1, length);
        pool.Build(backend, input);
        using var x = backend.Allocate(input);
        x.CopyFrom(Enumerable.Range(1, length).Select(i => (float)i).ToArray());

        var actual = pool.Forward(x, training: false).ToArray();
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 1e-6f);
    }
}
