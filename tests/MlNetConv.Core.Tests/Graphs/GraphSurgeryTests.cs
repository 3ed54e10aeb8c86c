using MlNetConv.Backends.Meta;
using MlNetConv.Graphs;
using MlNetConv.Layers;
using MlNetConv.Tensors;
using MlNetConv.Tests.Support;
using MlNetConv.Zoo;

namespace MlNetConv.Tests.Graphs;

/// <summary>
/// Cutting networks at a node and putting a head on them: a cut network built on the same input with the full network's
/// weights gives the full network's activation at that node, bit for bit (computed here layer by layer, apart from the
/// engine's graph), and keeps the parameter names.
/// </summary>
public sealed class GraphSurgeryTests
{
    public static TheoryData<string, string> Cuts => new()
    {
        { "resnet18", "layer2.0.conv2" },   // inside a residual block: its shortcut is not needed
        { "resnet18", "layer2.0.add" },     // a merge
        { "resnet18", "layer3" },           // a whole stage
        { "resnet18", "avgpool" },
        { "lenet5", "pool2" },
        { "lenet5", "relu4" },
        { "alexnet", "features.3" },        // inside a nested chain
        { "alexnet", "classifier.5" },
        { "branches", "left.1" },           // one branch of a graph
        { "branches", "cat" },              // where the branches meet
        { "branches", "right" },
    };

    [Theory, MemberData(nameof(Cuts))]
    public void ACutNetwork_GivesTheFullNetworksActivationAtItsNode(string name, string node)
    {
        var (root, sample) = Create(name);
        using var full = new Network(root, sample, seed: 7);
        BatchNormValues.Randomize(full, 8);
        var cutRoot = GraphSurgery.CutAt(full.Root, node);
        Assert.False(cutRoot.IsBuilt);
        Assert.Equal(full.Root.TypeName, cutRoot.TypeName);
        Assert.Equal(full.Root.Name, cutRoot.Name);
        using var cut = new Network(cutRoot, sample, seed: 99);
        var copied = cut.CopyMatchingParameters(full);
        Assert.Equal(cut.Parameters.Select(p => p.Name), copied);
        Assert.True(cut.Parameters.Count < full.Parameters.Count);
        Assert.Single(cut.OutputShapes);

        using var input = full.Backend.Allocate(full.InputShape.WithBatch(2));
        var random = new RandomStream(5, name + node);
        input.CopyFrom(Enumerable.Range(0, input.Size).Select(_ => (float)random.NextGaussian()).ToArray());
        var expected = ActivationAt(full.Root, node, input);
        var actual = cut.Forward(input).ToArray();
        Assert.Equal(expected.Length, actual.Length);
        Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), actual.Select(BitConverter.SingleToInt32Bits));
        Assert.Contains(actual, v => v != 0f);
    }

    [Fact]
    public void ACutAtANestedNode_KeepsOnlyWhatItDependsOn()
    {
        var cut = GraphSurgery.CutAt(Architectures.ResNet18(classes: 5), "layer2.0.conv2");
        using var network = new Network(cut, new Shape(3, 32, 32), MetaBackend.Default);
        var names = network.Parameters.Select(p => p.Name).ToArray();
        Assert.Equal("layer2.0.conv2.weight", names[^1]);
        Assert.Contains("layer1.1.bn2.running_var", names);
        Assert.DoesNotContain(names, n => n.StartsWith("layer2.0.downsample") || n.StartsWith("layer2.0.bn2") || n.StartsWith("layer2.1") || n.StartsWith("fc"));
        var chain = Assert.IsType<Sequential>(cut);
        Assert.Equal(["conv1", "bn1", "relu", "maxpool", "layer1", "layer2"], chain.Nodes.Select(n => n.Name));
        Assert.Equal(new Shape(1, 128, 4, 4), network.OutputShapes[0]);
    }

    [Fact]
    public void CutAt_AnUnknownNode_NamesTheNodesThereAre()
    {
        var error = Assert.Throws<ArgumentException>(() => GraphSurgery.CutAt(Architectures.LeNet5(), "fc4"));
        Assert.Equal("The network has no node 'fc4'. Its nodes are conv1, relu1, pool1, conv2, relu2, pool2, flatten, fc1, relu3, fc2, relu4, fc3.",
            error.Message);
    }

    [Fact]
    public void Append_PutsAHeadOnABody_WhoseParametersKeepTheirNames()
    {
        var resnet = Architectures.ResNet18(classes: 10, width: 8);
        var body = GraphSurgery.CutAt(resnet, GraphSurgery.LastHiddenNode(resnet));
        var head = new Dense(3, name: "head");
        var tuned = GraphSurgery.Append(body, new Dropout(0.3f), head);
        using var trained = new Network(resnet, new Shape(3, 32, 32), seed: 1);
        using var network = new Network(tuned, new Shape(3, 32, 32), seed: 2);

        var names = network.Parameters.Select(p => p.Name).ToArray();
        Assert.Equal(trained.Parameters.Select(p => p.Name).Where(n => !n.StartsWith("fc.")).Concat(["head.weight", "head.bias"]), names);
        Assert.Equal(names[..^2], network.CopyMatchingParameters(trained));
        Assert.Equal(new Shape(1, 3), network.OutputShapes[0]);
        Assert.Equal("9", ((Sequential)tuned).Layers[^2].Name); // an unnamed head layer takes its position
        Assert.Same(head, ((Sequential)tuned).Layers[^1]);
        Assert.Equal(["conv1.weight", "bn1.weight", "bn1.bias"], network.ParametersThrough("bn1").Select(p => p.Name));
    }

    [Fact]
    public void Append_ToAGraph_ChainsTheHeadAfterItsOutput()
    {
        var (root, sample) = Create("branches");
        var body = GraphSurgery.CutAt(root, "cat");
        var tuned = GraphSurgery.Append(body, new GlobalAvgPool(), new Dense(2));
        using var network = new Network(tuned, sample, seed: 1);
        var graph = Assert.IsType<Graph>(tuned);
        Assert.Equal(["left", "right", "cat", "globalavgpool0", "dense0"], graph.Nodes.Select(n => n.Name));
        Assert.Equal(["left.0.weight", "left.0.bias", "left.2.weight", "left.2.bias", "right.weight", "right.bias", "dense0.weight", "dense0.bias"],
            network.TrainableParameters.Select(p => p.Name));
        Assert.Equal(new Shape(1, 2), network.OutputShapes[0]);

        var twoOutputs = Assert.Throws<ArgumentException>(() => GraphSurgery.Append(Architectures.GoogLeNet(32, 5, auxLogits: true), new Dense(2)));
        Assert.StartsWith("Graph 'googlenet' has 3 outputs; a head follows one: cut the graph at a node first (CutAt).", twoOutputs.Message);
        Assert.Throws<ArgumentException>(() => GraphSurgery.Append(body));
    }

    public static TheoryData<string, string> HiddenNodes => new()
    {
        { "resnet18", "avgpool" },
        { "lenet5", "relu4" },
        { "lenet5_classic", "F6_act" },
        { "alexnet", "classifier.5" },
        { "alexnet_classic", "relu7" }, // fc8 reads drop7, which evaluation passes through
        { "vgg11", "classifier.4" },
        { "googlenet", "avgpool" },
        { "googlenet_aux", "avgpool" },
        { "cifar_resnet20", "avgpool" },
        { "flatten_gemm", "pool" },     // an imported classifier: flatten, then a dense layer
    };

    [Theory, MemberData(nameof(HiddenNodes))]
    public void LastHiddenNode_IsTheNodeFeedingTheClassifier(string name, string expected)
    {
        var root = name == "flatten_gemm" ? FlattenGemm() : Zoo.ZooCases.Get(name).Create();
        Assert.Equal(expected, GraphSurgery.LastHiddenNode(root));
    }

    [Fact]
    public void LastHiddenNode_OfANetworkWithoutAClassifier_SaysSo()
    {
        var fcn = Assert.Throws<ArgumentException>(() => GraphSurgery.LastHiddenNode(Architectures.Fcn8s(classes: 5, depth: 18)));
        Assert.StartsWith("The network 'fcn8s_resnet18' has no dense classifier feeding its first output: walking back from it, it met the merge", fcn.Message);
        var convs = Assert.Throws<ArgumentException>(() => GraphSurgery.LastHiddenNode(new NetworkBuilder().Conv2d(4, 3).ReLU().Build("convs")));
        Assert.StartsWith("The network 'convs' has no dense classifier feeding its first output: walking back from it, it reached the network's input.", convs.Message);
        var bare = Assert.Throws<ArgumentException>(() => GraphSurgery.LastHiddenNode(new NetworkBuilder().Flatten().Dense(3, name: "fc").Build("linear")));
        Assert.StartsWith("The classifier", bare.Message);
    }

    /// <summary>An imported classifier's layout: a flat graph whose last nodes are pool, flatten and a dense layer.</summary>
    private static Graph FlattenGemm()
    {
        var g = new GraphBuilder();
        var x = g.Add(g.Input, new Conv2d(4, 3, name: "conv"), new ReLU(name: "relu"), new GlobalAvgPool(name: "pool"));
        return g.Build("imported", g.Add(x, new Flatten(name: "flatten"), new Dense(3, name: "gemm"), new Softmax(name: "prob")));
    }

    /// <summary>(N, 2, 8, 8) -> left: conv 3x3 and conv 1x1 (4 channels); right: conv 3x3 (3 channels); concatenated (7); a conv and pooling after.</summary>
    private static Graph Branches()
    {
        var g = new GraphBuilder();
        var left = g.Add(new NetworkBuilder().Conv2d(4, 3, padding: 1).ReLU().Conv2d(4, 1).Build("left"), g.Input);
        var right = g.Add(new Conv2d(3, 3, padding: 1, name: "right"), g.Input);
        var cat = g.Merge(new Concat("cat"), left, right);
        return g.Build("branches", g.Add(cat, new BatchNorm2d(name: "bn"), new ReLU(name: "relu"), new GlobalAvgPool(name: "pool"), new Dense(2, name: "fc")));
    }

    private static (ILayer Root, Shape Sample) Create(string name) => name == "branches"
        ? (Branches(), new Shape(2, 8, 8))
        : (Zoo.ZooCases.Get(name).Create(), Zoo.ZooCases.Get(name).Input);

    /// <summary>
    /// The value of the node at dotted path <paramref name="path"/> for <paramref name="input"/> in evaluation, every layer
    /// run on its own in node order (no fused chains), copied to the host.
    /// </summary>
    private static float[] ActivationAt(ILayer root, string path, Tensor input)
    {
        var graph = (Graph)root;
        var values = new Tensor[graph.Nodes.Count];
        Tensor ValueOf(int i) => i == Graph.GraphInput ? input : values[i];
        for (int i = 0; i < graph.Nodes.Count; i++)
        {
            var node = graph.Nodes[i];
            if (path == node.Name) return Evaluate(node, ValueOf).ToArray();
            if (node.Layer is Graph inner && path.StartsWith(node.Name + ".")) return ActivationAt(inner, path[(node.Name.Length + 1)..], ValueOf(node.Inputs[0]));
            values[i] = Evaluate(node, ValueOf);
        }
        throw new ArgumentException($"no node {path}");
    }

    private static Tensor Evaluate(GraphNode node, Func<int, Tensor> valueOf) => node.Layer switch
    {
        null => node.Merge!.Forward(node.Inputs.Select(valueOf).ToArray()),
        Graph inner => LayerByLayer(inner, valueOf(node.Inputs[0])),
        var layer => layer.Forward(valueOf(node.Inputs[0]), training: false),
    };

    private static Tensor LayerByLayer(Graph graph, Tensor input)
    {
        var values = new Tensor[graph.Nodes.Count];
        Tensor ValueOf(int i) => i == Graph.GraphInput ? input : values[i];
        for (int i = 0; i < graph.Nodes.Count; i++) values[i] = Evaluate(graph.Nodes[i], ValueOf);
        return values[graph.OutputNodes[0]];
    }
}
