using MlNetConv.Geometry;
using MlNetConv.Graphs;
using MlNetConv.Inspection;
using MlNetConv.Layers;
using MlNetConv.Summary;
using MlNetConv.Tensors;
using MlNetConv.Zoo;
using Xunit;

namespace MlNetConv.Tests.Inspection;

public class NetworkInspectorTests
{
    public static TheoryData<string> Networks => new() { "lenet5", "lenet5-classic", "branches", "resnet20" };

    private static Network Create(string name) => name switch
    {
        "lenet5" => new Network(Architectures.LeNet5(), new Shape(1, 28, 28), seed: 3),
        "lenet5-classic" => new Network(Architectures.LeNet5Classic(28), new Shape(1, 28, 28), seed: 3),
        "resnet20" => new Network(Architectures.CifarResNet(20), new Shape(3, 16, 16), seed: 3),
        _ => new Network(Branches(), new Shape(3, 9, 9), seed: 3),
    };

    /// <summary>A stem, a dilated grouped convolution beside a padded max pooling, their concatenation, a nested block added back, LRN, pooling, dense and softmax.</summary>
    private static Graph Branches()
    {
        var g = new GraphBuilder();
        var stem = g.Add(g.Input, new Conv2d(4, 3, padding: 1, name: "stem"), new ReLU("stem_relu"));
        var a = g.Add(stem, new Conv2d(4, 3, stride: 2, padding: 2, dilation: 2, groups: 2, name: "a"));
        var b = g.Add(stem, new MaxPool2d(3, stride: 2, padding: 1, name: "b"));
        var cat = g.Merge(new Concat("cat"), a, b);
        var block = g.Add(cat, new NetworkBuilder().Conv2d(8, 1, name: "c").BatchNorm2d(name: "bn").Tanh("tanh").Build("block"));
        var sum = g.Merge(new Add("sum"), block, cat);
        var head = g.Add(sum, new LocalResponseNorm(3, name: "lrn"), new AvgPool2d(2, name: "avg"), new Flatten("flat"), new Dense(5, name: "fc"),
            new Softmax("softmax"));
        return g.Build("branches", head);
    }

    private static float[] Sample(Network network, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, network.SampleShape.Size).Select(_ => (float)random.NextDouble() * 2 - 1).ToArray();
    }

    [Theory, MemberData(nameof(Networks))]
    public void The_last_node_records_what_the_network_outputs(string name)
    {
        using var network = Create(name);
        var inspector = new NetworkInspector(network);
        var sample = Sample(network, 1);
        var recorded = inspector.Record(sample);
        var expected = network.Predict(sample);
        Assert.Equal(inspector.Nodes.Count, recorded.Length);
        Assert.Equal(expected.Length, recorded[inspector.Output].Length);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], recorded[inspector.Output][i], 5);
        for (int i = 0; i < recorded.Length; i++) Assert.Equal(inspector.Nodes[i].OutputShape.Size, recorded[i].Length);
    }

    [Theory, MemberData(nameof(Networks))]
    public void Nodes_are_the_summary_rows_in_order(string name)
    {
        using var network = Create(name);
        var inspector = new NetworkInspector(network);
        Assert.Equal(ModelSummary.Of(network).Rows.Select(r => r.Name), inspector.Nodes.Select(n => n.Path));
    }

    /// <summary>
    /// What a unit reads is exactly what it depends on: changing any unit of an input outside its links leaves it
    /// unchanged (every node of every network, several units each).
    /// </summary>
    [Theory, MemberData(nameof(Networks))]
    public void A_unit_does_not_depend_on_units_outside_its_links(string name)
    {
        using var network = Create(name);
        var inspector = new NetworkInspector(network);
        var recorded = inspector.Record(Sample(network, 2));
        var input = Sample(network, 2);
        var random = new Random(5);
        foreach (var node in inspector.Nodes)
        {
            for (int trial = 0; trial < 3; trial++)
            {
                var unit = new Unit(random.Next(node.Channels), random.Next(node.Height), random.Next(node.Width));
                var links = inspector.Links(node.Index, unit);
                Assert.InRange(links.Count, 1, node.Inputs.Count);
                Assert.All(links, l => Assert.Contains(l.Node, node.Inputs));
                var shapes = inspector.InputShapes(node);
                for (int k = 0; k < node.Inputs.Count; k++)
                {
                    // An input with no set (a concatenation's other parts) is not read at all.
                    var link = links.FirstOrDefault(l => l.Node == node.Inputs[k]) ?? new UnitSet(node.Inputs[k], [], [], []);
                    int c = shapes[k][0], h = NetworkInspector.HeightOf(shapes[k]), w = NetworkInspector.WidthOf(shapes[k]);
                    Assert.InRange(link.Count(c, h, w), links.Contains(link) ? 1 : 0, (long)c * h * w);
                    // Up to 60 units outside the links, chosen at random, each changed alone.
                    var outside = Enumerable.Range(0, c * h * w).Where(i => !link.Contains(new Unit(i / (h * w), i / w % h, i % w)))
                        .OrderBy(_ => random.Next()).Take(60);
                    float before = Evaluate(inspector, node, recorded, input, k, -1, unit);
                    foreach (int i in outside)
                        Assert.Equal(before, Evaluate(inspector, node, recorded, input, k, i, unit));
                }
            }
        }
    }

    /// <summary>The node's output at <paramref name="unit"/> with input <paramref name="k"/>'s value <paramref name="changed"/> (if not -1) moved by 3.</summary>
    private static float Evaluate(NetworkInspector inspector, InspectedNode node, float[][] recorded, float[] input, int k, int changed, Unit unit)
    {
        var shapes = inspector.InputShapes(node);
        var tensors = node.Inputs.Select((source, j) =>
        {
            var values = (float[])(source == NetworkInspector.NetworkInput ? input : recorded[source]).Clone();
            if (j == k && changed >= 0) values[changed] += 3;
            var t = inspector.Network.Backend.Allocate(new Shape([1, .. shapes[j].ToArray()]));
            t.CopyFrom(values);
            return t;
        }).ToArray();
        var output = node.Layer is not null ? node.Layer.Forward(tensors[0], training: false) : node.Merge!.Forward(tensors);
        return output.ToArray()[(unit.Channel * node.Height + unit.Y) * node.Width + unit.X];
    }

    [Fact]
    public void LeNet5_C3_reads_the_S2_C3_table_through_a_5x5_window()
    {
        using var network = Create("lenet5-classic");
        var inspector = new NetworkInspector(network);
        var c3 = inspector["C3"];
        for (int channel = 0; channel < 16; channel++)
        {
            var link = Assert.Single(inspector.Links(c3.Index, new Unit(channel, 2, 3)));
            Assert.Equal(inspector["S2_act"].Index, link.Node);
            Assert.Equal(ConnectionTable.LeNet5C3.InputsOf(channel), link.Channels!);
            Assert.Equal([2, 3, 4, 5, 6], link.Rows!);
            Assert.Equal([3, 4, 5, 6, 7], link.Columns!);
        }
        var s2 = Assert.Single(inspector.Links(inspector["S2"].Index, new Unit(4, 3, 5)));
        Assert.Equal([4], s2.Channels!);
        Assert.Equal([6, 7], s2.Rows!);
        Assert.Equal([10, 11], s2.Columns!);
        Assert.Equal(UnitSet.All(inspector["flatten"].Index), Assert.Single(inspector.Links(inspector["F6"].Index, new Unit(7, 0, 0))));
    }

    [Theory, MemberData(nameof(Networks))]
    public void Unclipped_receptive_fields_have_the_summary_size(string name)
    {
        using var network = Create(name);
        var inspector = new NetworkInspector(network);
        var summary = ModelSummary.Of(network);
        foreach (var node in inspector.Nodes.Where(n => n.OutputShape.Rank == 3))
        {
            var field = inspector.Field(node.Index, new Unit(0, node.Height / 2, node.Width / 2));
            var expected = summary[node.Path].ReceptiveField;
            // The summary takes the widest path at merges; the union of all paths can only be at least as wide.
            if (node.Merge is null && name.StartsWith("lenet")) Assert.Equal((expected.H, expected.W), (field.Height, field.Width));
            else Assert.True(field.Height >= expected.H && field.Width >= expected.W, $"{node.Path}: {field} against {expected}");
        }
    }

    /// <summary>Changing input pixels outside a unit's receptive field never changes it; some pixel inside does.</summary>
    [Theory, MemberData(nameof(Networks))]
    public void A_unit_sees_only_its_receptive_field(string name)
    {
        using var network = Create(name);
        var inspector = new NetworkInspector(network);
        var input = Sample(network, 7);
        var before = inspector.Record(input);
        int c = network.SampleShape[0], h = network.SampleShape[1], w = network.SampleShape[2];
        var random = new Random(9);
        foreach (var node in inspector.Nodes.Where(n => n.OutputShape.Rank == 3).OrderBy(_ => random.Next()).Take(6))
        {
            // A unit that is not zero (a ReLU at zero changes for no small move of a pixel).
            int at = Enumerable.Range(0, before[node.Index].Length).Where(i => before[node.Index][i] != 0).OrderBy(_ => random.Next()).First();
            var unit = new Unit(at / (node.Height * node.Width), at / node.Width % node.Height, at % node.Width);
            var box = inspector.ReceptiveField(node.Index, unit);
            bool changedInside = false;
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    bool inside = y >= box.Top && y <= box.Bottom && x >= box.Left && x <= box.Right;
                    if (!inside && random.Next(4) != 0) continue;
                    var moved = (float[])input.Clone();
                    for (int ch = 0; ch < c; ch++) moved[(ch * h + y) * w + x] += 2.5f;
                    float after = inspector.Record(moved)[node.Index][at];
                    if (!inside) Assert.Equal(before[node.Index][at], after);
                    else changedInside |= after != before[node.Index][at];
                }
            Assert.True(changedInside, $"{node.Path} {unit}: no pixel of {box} changes it");
        }
    }

    [Fact]
    public void Out_of_range_units_and_unknown_paths_are_refused_with_their_extent()
    {
        using var network = Create("lenet5");
        var inspector = new NetworkInspector(network);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => inspector.Links(inspector["conv2"].Index, new Unit(16, 0, 0)));
        Assert.Contains("16 x 10 x 10", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => inspector.Links(99, new Unit(0, 0, 0)));
        Assert.Contains("conv1", Assert.Throws<KeyNotFoundException>(() => inspector["nope"]).Message);
        Assert.Throws<ArgumentException>(() => inspector.Record(new float[5]));
    }
}
