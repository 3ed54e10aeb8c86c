using MlNetConv.Backends.Cpu;
using MlNetConv.Geometry;
using MlNetConv.Graphs;
using MlNetConv.Layers;
using MlNetConv.Tensors;
using MlNetConv.Tests.Support;

namespace MlNetConv.Tests.Layers;

/// <summary>CropTo (FCN's crop of one input to another's extent) and ZeroPad2d: values, gradients and messages.</summary>
public sealed class CropAndPadTests
{
    private sealed record CropCase(Func<CropTo> Create, Shape[] Inputs, Shape Output);

    private static readonly Dictionary<string, CropCase> Crops = new()
    {
        ["2d_centred"] = new(() => new CropTo(), [new Shape(2, 3, 7, 8), new Shape(2, 1, 4, 4)], new Shape(2, 3, 4, 4)),
        ["2d_offset_1x2"] = new(() => new CropTo([1, 2]), [new Shape(2, 2, 6, 6), new Shape(2, 5, 4, 3)], new Shape(2, 2, 4, 3)),
        ["2d_same_size"] = new(() => new CropTo([0]), [new Shape(1, 2, 3, 3), new Shape(1, 2, 3, 3)], new Shape(1, 2, 3, 3)),
        ["1d_offset_2"] = new(() => new CropTo([2]), [new Shape(2, 2, 9), new Shape(2, 1, 5)], new Shape(2, 2, 5)),
        ["3d_centred"] = new(() => new CropTo(), [new Shape(1, 2, 4, 5, 6), new Shape(1, 1, 2, 2, 3)], new Shape(1, 2, 2, 2, 3)),
    };

    public static TheoryData<string> CropNames => new(Crops.Keys);

    private static readonly LayerCases PadCases = new(
        new("pad1", () => new ZeroPad2d(1), new Shape(2, 2, 3, 4), new Shape(2, 2, 5, 6)),
        new("pad_left1_right2_top0_bottom3", () => new ZeroPad2d(1, 2, 0, 3), new Shape(2, 3, 3, 3), new Shape(2, 3, 6, 6)),
        // A skip connection padded to a larger map in a graph, then added.
        new("in_graph_with_add", () =>
        {
            var g = new GraphBuilder();
            var small = g.Add(g.Input, new Conv2d(2, 3), new ZeroPad2d(1));
            return g.Build(g.Merge(new Add(), small, g.Input));
        }, new Shape(2, 2, 5, 5), new Shape(2, 2, 5, 5), 2 * 2 * 9 + 2));

    public static TheoryData<string> PadNames => PadCases.Names;

    [Theory, MemberData(nameof(CropNames))]
    public void CropTo_GradientsMatchFiniteDifferences(string name)
    {
        var c = Crops[name];
        var report = GradientCheck.Merge(c.Create(), c.Inputs);

        report.AssertPassed();
        Assert.Equal(2, report.Tensors.Count);
        // The second input only lends its extent.
        Assert.All(report.Checks.Where(e => e.Tensor == "input 1"), e => Assert.Equal(0.0, e.Analytic));
    }

    [Theory, MemberData(nameof(CropNames))]
    public void CropTo_BuildsTheOutputShape(string name)
    {
        var c = Crops[name];

        Assert.Equal(c.Output, c.Create().Build(new CpuBackend(), c.Inputs));
    }

    [Theory, MemberData(nameof(PadNames))]
    public void ZeroPad2d_GradientsMatchFiniteDifferences(string name) => PadCases[name].AssertGradients();

    [Theory, MemberData(nameof(PadNames))]
    public void ZeroPad2d_ShapesAndParameters(string name) => PadCases[name].AssertShapes();

    [Fact]
    public void CropTo_CutsTheWindowAtTheOffset()
    {
        var backend = new CpuBackend();
        var crop = new CropTo([1, 2]);
        // a: (1, 1, 4, 5) = 0..19, b: (1, 7, 2, 2)
        crop.Build(backend, [new Shape(1, 1, 4, 5), new Shape(1, 7, 2, 2)]);
        using var a = backend.Allocate(new Shape(1, 1, 4, 5));
        using var b = backend.Allocate(new Shape(1, 7, 2, 2));
        a.CopyFrom(Enumerable.Range(0, 20).Select(i => (float)i).ToArray());

        Assert.Equal([7, 8, 12, 13], crop.Forward([a, b]).ToArray());
        Assert.Equal(new Int3(0, 1, 2), crop.Start);
    }

    [Fact]
    public void CropTo_TooSmall_NamesTheMergeAndShapes()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            new CropTo([2], "crop").Build(new CpuBackend(), [new Shape(1, 3, 5, 5), new Shape(1, 1, 4, 4)]));

        Assert.Equal("Merge 'crop' (CropTo): cannot cut (1, 1, 4, 4) out of (1, 3, 5, 5) at offset (2, ...).", error.Message);
    }

    [Fact]
    public void ZeroPad2d_SurroundsTheInputWithZeros()
    {
        var backend = new CpuBackend();
        var pad = new ZeroPad2d(1, 0, 0, 1);
        // x: (1, 1, 2, 2) -> (1, 1, 3, 3)
        pad.Build(backend, new Shape(1, 1, 2, 2));
        using var x = backend.Allocate(new Shape(1, 1, 2, 2));
        x.CopyFrom([1, 2, 3, 4]);

        Assert.Equal([0, 1, 2, 0, 3, 4, 0, 0, 0], pad.Forward(x, false).ToArray());
    }
}
