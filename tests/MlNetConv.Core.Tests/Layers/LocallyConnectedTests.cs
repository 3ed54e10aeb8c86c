using MlNetConv.Backends.Cpu;
using MlNetConv.Geometry;
using MlNetConv.Layers;
using MlNetConv.Summary;
using MlNetConv.Tensors;
using MlNetConv.Tests.Support;

namespace MlNetConv.Tests.Layers;

/// <summary>LocallyConnected2d: one filter bank per output position; with every bank equal it is a convolution.</summary>
public sealed class LocallyConnectedTests
{
    // Input (N, Cin, H, W) -> output (N, Cout, OutH, OutW); weights OutH·OutW·Cout·Cin·k² + Cout·OutH·OutW.
    private static readonly LayerCases Cases = new(
        new("3x3", () => new LocallyConnected2d(2, 3), new Shape(2, 2, 4, 4), new Shape(2, 2, 2, 2), 4 * 2 * 2 * 9 + 2 * 4),
        new("3x3_stride2_pad1", () => new LocallyConnected2d(3, 3, stride: 2, padding: 1), new Shape(2, 2, 5, 5), new Shape(2, 3, 3, 3), 9 * 3 * 2 * 9 + 3 * 9),
        new("2x2_stride2_nobias_batch3", () => new LocallyConnected2d(2, 2, stride: 2, bias: false), new Shape(3, 3, 4, 4), new Shape(3, 2, 2, 2), 4 * 2 * 3 * 4),
        new("1x1", () => new LocallyConnected2d(2, 1), new Shape(2, 3, 2, 3), new Shape(2, 2, 2, 3), 6 * 2 * 3 + 2 * 6),
        // Per-axis kernel, stride and dilation, begin and end padding apart: (4 + 1 - 1) / 2 + 1 = 3 rows, 5 + 3 - 5 + 1 = 4 columns.
        new("1x3_stride_2x1_dilation_1x2_pads", () => new LocallyConnected2d(2, (1, 3), (2, 1), Padding.FromPads(1, 1, 0, 2), (1, 2)),
            new Shape(2, 2, 4, 5), new Shape(2, 2, 3, 4), 12 * 2 * 2 * 3 + 2 * 12));

    public static TheoryData<string> Names => Cases.Names;

    [Theory, MemberData(nameof(Names))]
    public void GradientsMatchFiniteDifferences(string name) => Cases[name].AssertGradients();

    [Theory, MemberData(nameof(Names))]
    public void ShapesAndParameters(string name) => Cases[name].AssertShapes();

    [Fact]
    public void WithTheSameWeightsAtEveryPosition_EqualsAConvolution()
    {
        var backend = new CpuBackend();
        var local = new LocallyConnected2d(3, 3, stride: 2, padding: 1);
        var conv = new Conv2d(3, 3, stride: 2, padding: 1);
        // x: (2, 2, 5, 5) -> (2, 3, 3, 3)
        var shape = new Shape(2, 2, 5, 5);
        local.Build(backend, shape);
        conv.Build(backend, shape);
        var kernel = conv.Weight.Value.ToArray();                 // (3, 2·9)
        var bias = conv.Bias!.Value.ToArray();
        local.Weight.Value.CopyFrom(Enumerable.Range(0, 9).SelectMany(_ => kernel).ToArray());
        local.Bias!.Value.CopyFrom(bias.SelectMany(b => Enumerable.Repeat(b, 9)).ToArray());
        using var x = backend.Allocate(shape);
        x.CopyFrom(Values.Uniform()(shape, new RandomStream(7)));

        var expected = conv.Forward(x, false).ToArray();
        var actual = local.Forward(x, false).ToArray();

        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 1e-5f);
    }

    [Fact]
    public void WithBeginAndEndPadding_EqualsTheConvolutionWithTheSameWindow()
    {
        var backend = new CpuBackend();
        var padding = Padding.FromPads(2, 0, 1, 1);
        var local = new LocallyConnected2d(2, (3, 2), (1, 2), padding, (1, 2));
        var conv = new Conv2d(2, (3, 2), (1, 2), padding, (1, 2));
        // x: (2, 3, 4, 5) -> (2, 2, 5, 2)
        var shape = new Shape(2, 3, 4, 5);
        Assert.Equal(new Shape(2, 2, 5, 2), local.Build(backend, shape));
        conv.Build(backend, shape);
        int positions = 10;
        local.Weight.Value.CopyFrom(Enumerable.Range(0, positions).SelectMany(_ => conv.Weight.Value.ToArray()).ToArray());
        local.Bias!.Value.CopyFrom(conv.Bias!.Value.ToArray().SelectMany(b => Enumerable.Repeat(b, positions)).ToArray());
        using var x = backend.Allocate(shape);
        x.CopyFrom(Values.Uniform()(shape, new RandomStream(8)));

        var expected = conv.Forward(x, false).ToArray();
        var actual = local.Forward(x, false).ToArray();

        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 1e-5f);
        Assert.Equal("LocallyConnected2d(3, 2, kernel_size=(3, 2), stride=(1, 2), padding=((2, 1), (0, 1)), dilation=(1, 2))", local.ToString());
    }

    [Fact]
    public void Summary_CountsOneFilterBankPerPosition()
    {
        var root = new MlNetConv.Graphs.NetworkBuilder().LocallyConnected2d(4, 3, name: "local").Build();
        var row = ModelSummary.Of(root, new Shape(2, 5, 5))["local"];

        Assert.Equal(9L * 4 * 2 * 9 + 4 * 9, row.Parameters);
        Assert.Equal(9L * 4 * 2 * 9, row.MultiplyAccumulates);
        Assert.Equal(3, row.ReceptiveField.H);
    }
}
