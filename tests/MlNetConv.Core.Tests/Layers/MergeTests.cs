using MlNetConv.Backends.Cpu;
using MlNetConv.Graphs;
using MlNetConv.Layers;
using MlNetConv.Tensors;
using MlNetConv.Tests.Support;

namespace MlNetConv.Tests.Layers;

/// <summary>Add and Concat on their own (one gradient per input) and inside graphs (fan-out sums gradients).</summary>
public sealed class MergeTests
{
    private sealed record MergeCase(Func<IMergeLayer> Create, Shape[] Inputs, Shape Output);

    private static readonly Dictionary<string, MergeCase> Merges = new()
    {
        ["add_2"] = new(() => new Add(), [new Shape(2, 3, 4, 4), new Shape(2, 3, 4, 4)], new Shape(2, 3, 4, 4)),
        ["add_3_1d"] = new(() => new Add(), [new Shape(2, 3, 5), new Shape(2, 3, 5), new Shape(2, 3, 5)], new Shape(2, 3, 5)),
        ["concat_2"] = new(() => new Concat(), [new Shape(2, 2, 3, 3), new Shape(2, 3, 3, 3)], new Shape(2, 5, 3, 3)),
        ["concat_3_1d"] = new(() => new Concat(), [new Shape(1, 1, 4), new Shape(1, 2, 4), new Shape(1, 3, 4)], new Shape(1, 6, 4)),
        ["concat_2_3d"] = new(() => new Concat(), [new Shape(2, 1, 2, 2, 2), new Shape(2, 2, 2, 2, 2)], new Shape(2, 3, 2, 2, 2)),
        ["concat_features"] = new(() => new Concat(), [new Shape(3, 4), new Shape(3, 2)], new Shape(3, 6)),
        // numpy broadcasting: the smaller inputs' gradients are the output gradient summed over what they were repeated along.
        ["add_broadcast_channel_and_position"] = new(() => new Add(), [new Shape(2, 3, 1, 1), new Shape(2, 1, 4, 3)], new Shape(2, 3, 4, 3)),
        ["add_3_broadcast_1d"] = new(() => new Add(), [new Shape(2, 3, 5), new Shape(2, 1, 5), new Shape(2, 3, 1)], new Shape(2, 3, 5)),
        ["multiply_gate"] = new(() => new Multiply(), [new Shape(2, 3, 4, 4), new Shape(2, 3, 1, 1)], new Shape(2, 3, 4, 4)),
        ["multiply_broadcast_both"] = new(() => new Multiply(), [new Shape(2, 1, 3, 1, 2), new Shape(2, 2, 1, 2, 1)], new Shape(2, 2, 3, 2, 2)),
        ["multiply_same_shape"] = new(() => new Multiply(), [new Shape(3, 4), new Shape(3, 4)], new Shape(3, 4)),
    };

    // Graphs over input (N, C, H, W) whose merges see the graph input, a layer's output, or one node twice.
    private static readonly LayerCases GraphCases = new(
        new("add_conv_and_identity", () => Merge(new Add(), g => [g.Add(new Conv2d(3, 3, padding: 1), g.Input), g.Input]),
            new Shape(2, 3, 4, 4), new Shape(2, 3, 4, 4), 3 * 3 * 9 + 3),
        new("add_input_to_itself", () => Merge(new Add(), g => [g.Input, g.Input]), new Shape(2, 2, 3, 3), new Shape(2, 2, 3, 3)),
        new("add_three_branches", () => Merge(new Add(), g =>
            [g.Add(new Conv2d(2, 1), g.Input), g.Add(new Tanh(), g.Input), g.Add(new Conv2d(2, 3, padding: 1), g.Input)]),
            new Shape(2, 2, 3, 3), new Shape(2, 2, 3, 3), (2 * 2 + 2) + (2 * 2 * 9 + 2)),
        new("concat_conv_and_identity", () => Merge(new Concat(), g => [g.Add(new Conv2d(3, 3, padding: 1), g.Input), g.Input]),
            new Shape(2, 2, 4, 4), new Shape(2, 5, 4, 4), 3 * 2 * 9 + 3),
        new("concat_input_twice", () => Merge(new Concat(), g => [g.Input, g.Input]), new Shape(1, 2, 3, 3), new Shape(1, 4, 3, 3)),
        new("concat_then_conv", () =>
        {
            var g = new GraphBuilder();
            var cat = g.Merge(new Concat(), g.Add(new Conv2d(2, 1), g.Input), g.Add(new Sigmoid(), g.Input));
            return g.Build(g.Add(new Conv2d(3, 3), cat));
        }, new Shape(2, 2, 5, 5), new Shape(2, 3, 3, 3), (2 * 2 + 2) + (3 * 4 * 9 + 3),
            Options: new() { Parameters = GradientCheckOptions.InitialScale }));

    public static TheoryData<string> MergeNames
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var name in Merges.Keys) data.Add(name);
            return data;
        }
    }

    public static TheoryData<string> GraphNames => GraphCases.Names;

    [Theory, MemberData(nameof(MergeNames))]
    public void Merge_GradientsMatchFiniteDifferences(string name)
    {
        var c = Merges[name];
        var report = GradientCheck.Merge(c.Create(), c.Inputs);

        report.AssertPassed();
        Assert.Equal(c.Inputs.Length, report.Tensors.Count);
    }

    [Theory, MemberData(nameof(MergeNames))]
    public void Merge_BuildsTheOutputShape(string name)
    {
        var c = Merges[name];
        var merge = c.Create();

        Assert.Equal(c.Output, merge.Build(new CpuBackend(), c.Inputs));
        Assert.Equal(c.Output, merge.OutputShape);
    }

    [Theory, MemberData(nameof(GraphNames))]
    public void InGraph_GradientsMatchFiniteDifferences(string name) => GraphCases[name].AssertGradients();

    [Theory, MemberData(nameof(GraphNames))]
    public void InGraph_ShapesAndParameters(string name) => GraphCases[name].AssertShapes();

    [Fact]
    public void Concat_PlacesInputsAlongChannelsInOrder()
    {
        var backend = new CpuBackend();
        var concat = new Concat();
        // a: (2, 1, 2), b: (2, 2, 2) -> (2, 3, 2)
        concat.Build(backend, [new Shape(2, 1, 2), new Shape(2, 2, 2)]);
        using var a = backend.Allocate(new Shape(2, 1, 2));
        using var b = backend.Allocate(new Shape(2, 2, 2));
        a.CopyFrom([1, 2, 3, 4]);
        b.CopyFrom([10, 11, 12, 13, 20, 21, 22, 23]);

        Assert.Equal([1, 2, 10, 11, 12, 13, 3, 4, 20, 21, 22, 23], concat.Forward([a, b]).ToArray());
    }

    [Fact]
    public void Add_ShapeMismatch_NamesTheMergeAndBothShapes()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            new Add("sum").Build(new CpuBackend(), [new Shape(1, 3, 4, 4), new Shape(1, 3, 2, 2)]));

        Assert.Contains("sum", error.Message);
        Assert.Contains("(1, 3, 4, 4)", error.Message);
        Assert.Contains("(1, 3, 2, 2)", error.Message);
    }

    [Fact]
    public void Concat_SpatialMismatch_NamesTheMergeAndBothShapes()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            new Concat("cat").Build(new CpuBackend(), [new Shape(1, 3, 4, 4), new Shape(1, 2, 4, 5)]));

        Assert.Contains("cat", error.Message);
        Assert.Contains("(1, 3, 4, 4)", error.Message);
        Assert.Contains("(1, 2, 4, 5)", error.Message);
    }

    /// <summary>A graph whose output is one merge of the nodes <paramref name="inputs"/> adds.</summary>
    private static Graph Merge(IMergeLayer merge, Func<GraphBuilder, NodeRef[]> inputs)
    {
        var g = new GraphBuilder();
        return g.Build(g.Merge(merge, inputs(g)));
    }
}
