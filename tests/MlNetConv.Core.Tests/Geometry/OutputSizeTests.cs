using MlNetConv.Backends.Cpu;
using MlNetConv.Geometry;
using MlNetConv.Layers;
using MlNetConv.Tensors;

namespace MlNetConv.Tests.Geometry;

/// <summary>
/// The output-size formula out = floor((M + 2P - D(K-1) - 1) / S) + 1 (ceil in ceil mode, PyTorch's rule for the last
/// window), SAME padding, and the messages ConvGeometry and PoolGeometry give for bad input.
/// </summary>
public sealed class OutputSizeTests
{
    [Theory]
    [InlineData(7, 3, 2, 1, 4)] // the lecture's S = 2, K = 3, P = 1 halving
    [InlineData(224, 3, 2, 1, 112)] // ResNet's stride-2 3x3
    [InlineData(8, 3, 2, 1, 4)]
    [InlineData(32, 5, 1, 0, 28)] // LeNet-5's C1, valid padding
    [InlineData(28, 5, 1, 2, 28)] // 5x5 with P = 2 keeps the size
    [InlineData(227, 11, 4, 0, 55)] // AlexNet's conv1
    [InlineData(224, 7, 2, 3, 112)] // ResNet's stem
    [InlineData(14, 5, 1, 0, 10)] // LeNet-5's C3
    [InlineData(5, 5, 1, 0, 1)] // the kernel covers the input exactly
    [InlineData(4, 5, 1, 0, 0)] // too small: no window fits
    public void Compute_Floor(int input, int kernel, int stride, int padding, int expected) =>
        Assert.Equal(expected, OutputSize.Compute(input, kernel, stride, padding, padding));

    [Theory]
    [InlineData(7, 3, 1, 0, 2, 3)] // dilation 2 spreads a 3-tap kernel over 5
    [InlineData(11, 3, 1, 2, 2, 11)] // ... and padding D·(K-1)/2 keeps the size
    [InlineData(8, 3, 2, 2, 2, 4)]
    [InlineData(10, 3, 1, 0, 4, 2)] // extent 9
    public void Compute_Dilation(int input, int kernel, int stride, int padding, int dilation, int expected) =>
        Assert.Equal(expected, OutputSize.Compute(input, kernel, stride, padding, padding, dilation));

    [Theory]
    [InlineData(5, 2, 2, 0, 2, 3)] // PyTorch: 5x5, k = 2, s = 2 -> 2 (floor), 3 (ceil)
    [InlineData(6, 3, 2, 1, 3, 4)] // k = 3, s = 2, p = 1: ceil adds a window that starts inside the input
    [InlineData(5, 2, 2, 1, 3, 3)] // ceil would give 4, but the 4th window starts in the end padding: dropped
    [InlineData(3, 2, 2, 1, 2, 2)] // the same rule: 3, dropped to 2
    [InlineData(7, 3, 2, 0, 3, 3)] // exact fit: ceil = floor
    [InlineData(55, 3, 2, 0, 27, 27)] // AlexNet's overlapping pool
    [InlineData(112, 3, 2, 0, 55, 56)] // GoogLeNet pools in ceil mode: 112 -> 56
    public void Compute_CeilMode(int input, int kernel, int stride, int padding, int floor, int ceil)
    {
        Assert.Equal(floor, OutputSize.Compute(input, kernel, stride, padding, padding, ceilMode: false));
        Assert.Equal(ceil, OutputSize.Compute(input, kernel, stride, padding, padding, ceilMode: true));
    }

    [Theory]
    [InlineData(5, 2, 2, 1)] // ceil mode's dropped window: 3 windows, no more end padding needed
    [InlineData(6, 3, 2, 1)] // ceil mode keeps a 4th window reaching one past the padding
    [InlineData(112, 3, 2, 0)] // GoogLeNet's ceil-mode pool: 56 windows need one column of end padding
    [InlineData(224, 7, 2, 3)] // floor mode: the begin padding
    public void EndPadding_GivesTheSameWindowsUnderTheFloorFormula(int input, int kernel, int stride, int padding)
    {
        int output = OutputSize.Compute(input, kernel, stride, padding, padding, ceilMode: true);
        int end = OutputSize.EndPadding(input, output, kernel, stride, padding, padding, dilation: 1);
        Assert.True(end >= padding);
        Assert.Equal(output, OutputSize.Compute(input, kernel, stride, padding, end, ceilMode: false));
        Assert.True(end == padding || (output - 1) * stride - padding < input, "the last window starts inside the input");
    }

    [Fact]
    public void CeilMode_DroppedWindow_AlsoInAMaxPoolLayer()
    {
        var pool = new MaxPool1d(2, 2, padding: 1, ceilMode: true);

        // x: (1, 1, 5) -> windows start at -1, 1, 3; one at 5 would lie in the end padding.
        Assert.Equal(new Shape(1, 1, 3), pool.Build(new CpuBackend(), new Shape(1, 1, 5)));
    }

    [Fact]
    public void SamePadding_GivesCeilOfInputOverStride()
    {
        foreach (int input in new[] { 1, 2, 5, 6, 7, 8, 13, 224, 227 })
            foreach (int stride in new[] { 1, 2, 3, 4 })
                foreach (int kernel in new[] { 1, 2, 3, 4, 5, 7 })
                    foreach (int dilation in new[] { 1, 2 })
                    {
                        var (begin, end) = OutputSize.SamePadding(input, kernel, stride, dilation);
                        string at = $"M={input} K={kernel} S={stride} D={dilation}: pad ({begin}, {end})";
                        Assert.True((input + stride - 1) / stride == OutputSize.Compute(input, kernel, stride, begin, end, dilation), at);
                        Assert.True(end - begin is 0 or 1, at + ": an odd total puts the extra zero at the end");
                    }
    }

    [Theory]
    [InlineData(7, 4, 2, 1, 2)] // total 3: one before, two after
    [InlineData(224, 3, 2, 0, 1)] // TensorFlow's stride-2 3x3 pads only at the end
    [InlineData(5, 3, 1, 1, 1)]
    [InlineData(6, 1, 2, 0, 0)]
    [InlineData(9, 3, 1, 2, 2, 2)] // dilation 2: extent 5
    public void SamePadding_Split(int input, int kernel, int stride, int begin, int end, int dilation = 1) =>
        Assert.Equal((begin, end), OutputSize.SamePadding(input, kernel, stride, dilation));

    [Fact]
    public void Conv_GroupsNotDividingInChannels_NamesTheLayer()
    {
        var error = BuildError(new Conv2d(4, 3, groups: 2, name: "conv1"), new Shape(1, 3, 8, 8));

        Assert.Contains("'conv1' (Conv2d)", error);
        Assert.Contains("in_channels must be divisible by groups (3 % 2 != 0)", error);
    }

    [Fact]
    public void Conv_GroupsNotDividingOutChannels_NamesTheLayer()
    {
        var error = BuildError(new Conv2d(3, 3, groups: 2, name: "conv1"), new Shape(1, 4, 8, 8));

        Assert.Contains("'conv1'", error);
        Assert.Contains("out_channels must be divisible by groups (3 % 2 != 0)", error);
    }

    [Fact]
    public void Conv_InputTooSmall_NamesTheLayerTheShapeAndTheKernel()
    {
        var error = BuildError(new Conv2d(6, 5, name: "c1"), new Shape(1, 1, 4, 4));

        Assert.Contains("'c1' (Conv2d)", error);
        Assert.Contains("(1, 1, 4, 4)", error);
        Assert.Contains("5x5", error);
    }

    [Fact]
    public void Conv_WrongRank_NamesTheLayerAndTheShape()
    {
        var error = BuildError(new Conv2d(6, 3, name: "c1"), new Shape(1, 3, 32));

        Assert.Contains("'c1' (Conv2d)", error);
        Assert.Contains("rank 4 (N, C, H, W)", error);
        Assert.Contains("(1, 3, 32)", error);
    }

    [Fact]
    public void Conv_ConnectionTableForOtherChannels_NamesBothChannelCounts()
    {
        var error = BuildError(new Conv2d(16, 5, connections: ConnectionTable.LeNet5C3, name: "c3"), new Shape(1, 3, 14, 14));

        Assert.Contains("'c3'", error);
        Assert.Contains("6 -> 16", error);
        Assert.Contains("3 -> 16", error);
    }

    [Fact]
    public void Conv_PaddingValuesForAnotherRank_NamesTheLayer()
    {
        var error = BuildError(new Conv2d(4, 3, padding: Padding.Explicit(1, 1, 1), name: "c1"), new Shape(1, 3, 8, 8));

        Assert.Contains("'c1'", error);
        Assert.Contains("padding needs 1 or 2 values, got 3", error);
    }

    [Fact]
    public void Pool_InputTooSmall_NamesTheLayerAndTheShape()
    {
        var error = BuildError(new MaxPool2d(3, name: "pool1"), new Shape(1, 2, 2, 2));

        Assert.Contains("'pool1' (MaxPool2d)", error);
        Assert.Contains("(1, 2, 2, 2)", error);
    }

    [Fact]
    public void Pool_WrongRank_NamesTheLayerAndTheShape()
    {
        var error = BuildError(new AvgPool2d(2, name: "pool1"), new Shape(1, 2, 4, 4, 4));

        Assert.Contains("'pool1' (AvgPool2d)", error);
        Assert.Contains("(1, 2, 4, 4, 4)", error);
    }

    [Fact]
    public void Pool_PaddingOverHalfTheKernel_NamesTheLayer()
    {
        var error = BuildError(new MaxPool2d(2, padding: 2, name: "pool1"), new Shape(1, 2, 8, 8));

        Assert.Contains("'pool1'", error);
        Assert.Contains("padding 2 for kernel 2", error);
    }

    [Fact]
    public void Forward_BatchOfAnotherSampleShape_NamesTheLayerAndBothShapes()
    {
        var backend = new CpuBackend();
        var conv = new Conv2d(4, 3, name: "conv1");
        conv.Build(backend, new Shape(1, 3, 8, 8));
        // x: (2, 3, 9, 9), not (N, 3, 8, 8)
        using var x = backend.Allocate(new Shape(2, 3, 9, 9));

        var error = Assert.Throws<ArgumentException>(() => conv.Forward(x, training: false)).Message;

        Assert.Contains("'conv1'", error);
        Assert.Contains("(N, 3, 8, 8)", error);
        Assert.Contains("(2, 3, 9, 9)", error);
    }

    private static string BuildError(ILayer layer, Shape input) =>
        Assert.Throws<ArgumentException>(() => layer.Build(new CpuBackend(), input)).Message;
}
