using MlNetConv.Backends.Cpu;
using MlNetConv.Layers;
using MlNetConv.Tensors;
using MlNetConv.Tests.Support;

namespace MlNetConv.Tests.Layers;

/// <summary>Max and average pooling in 1, 2 and 3 dimensions: shapes and finite-difference gradients.</summary>
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
        new("avg_2_2_ceil_odd", () => new AvgPool1d(2, 2, ceilMode: true), new Shape(2, 2, 7), new Shape(2, 2, 4)));

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
        new("avg_2x2_2_lenet_batch3", () => new AvgPool2d(2), new Shape(3, 2, 4, 4), new Shape(3, 2, 2, 2)));

    // Input (N, C, D, H, W) -> output (N, C, Dout, Hout, Wout).
    private static readonly LayerCases Pool3dCases = new(
        new("max_2_2", () => new MaxPool3d(2), new Shape(1, 2, 4, 4, 4), new Shape(1, 2, 2, 2, 2), Options: DistinctInputs),
        new("max_3_2_overlapping_pad1", () => new MaxPool3d(3, 2, padding: 1), new Shape(1, 2, 5, 5, 5), new Shape(1, 2, 3, 3, 3), Options: DistinctInputs),
        new("max_2_2_ceil_odd", () => new MaxPool3d(2, 2, ceilMode: true), new Shape(2, 1, 5, 5, 5), new Shape(2, 1, 3, 3, 3), Options: DistinctInputs),
        new("avg_2_2", () => new AvgPool3d(2), new Shape(1, 2, 4, 4, 4), new Shape(1, 2, 2, 2, 2)),
        new("avg_3_2_overlapping", () => new AvgPool3d(3, 2), new Shape(1, 2, 5, 5, 5), new Shape(1, 2, 2, 2, 2)),
        new("avg_3_2_pad1_exclude_pad", () => new AvgPool3d(3, 2, padding: 1, countIncludePad: false), new Shape(1, 2, 5, 5, 5), new Shape(1, 2, 3, 3, 3)),
        new("avg_2_2_ceil_odd", () => new AvgPool3d(2, 2, ceilMode: true), new Shape(2, 1, 5, 5, 5), new Shape(2, 1, 3, 3, 3)));

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
    public void AvgPool1d_DividesAsPyTorch(int length, int kernel, int stride, int padding, bool ceilMode, bool countIncludePad, float[] expected)
    {
        var backend = new CpuBackend();
        var pool = new AvgPool1d(kernel, stride, padding, ceilMode, countIncludePad);
        // x: (1, 1, length) = 1, 2, ..., length
        var input = new Shape(1, 1, length);
        pool.Build(backend, input);
        using var x = backend.Allocate(input);
        x.CopyFrom(Enumerable.Range(1, length).Select(i => (float)i).ToArray());

        Assert.Equal(expected, pool.Forward(x, training: false).ToArray());
    }
}
