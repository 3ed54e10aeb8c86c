using MlNetConv.Graphs;
using MlNetConv.Layers;
using MlNetConv.Tensors;
using MlNetConv.Zoo;

namespace MlNetConv.Tests.Graphs;

/// <summary>
/// Evaluation runs conv-bn-relu chains in one pass: the chains found, and outputs bit-identical to running every layer
/// on its own, with running statistics far from the identity so that the normalisation matters.
/// </summary>
public sealed class EvaluationFusionTests
{
    [Fact]
    public void ResNet18_FusesEveryConvolution()
    {
        using var network = new Network(Architectures.ResNet18(classes: 10), new Shape(3, 32, 32), seed: 1);
        var graphs = Network.Flatten(network.Root).OfType<Graph>().ToArray();
        int chains = 0, withNorm = 0, withRelu = 0, withResidual = 0;
        foreach (var graph in graphs)
        {
            var fusion = EvaluationFusion.Find(graph.Nodes, graph.OutputNodes);
            for (int i = 0; i < graph.Nodes.Count; i++)
                if (fusion is not null && fusion.Covers(i, out var chain) && chain is not null)
                {
                    chains++;
                    if (chain.Epilogue.Norm is not null) withNorm++;
                    if (chain.Epilogue.Relu) withRelu++;
                    if (chain.Epilogue.AddsResidual) withResidual++;
                }
        }
        // The stem, two per basic block (conv1-bn1-relu and conv2-bn2-add-relu, or in the three downsampling blocks either
        // that or the shortcut's conv-bn-add-relu, whichever comes first) and the three shortcuts' conv-bn.
        Assert.Equal(20, Network.Flatten(network.Root).OfType<Convolution>().Count());
        Assert.Equal(20, chains);
        Assert.Equal(20, withNorm);
        Assert.Equal(17, withRelu);
        Assert.Equal(8, withResidual);
    }

    [Fact]
    public void AConvolutionReadTwiceOrAnOutput_IsNotFused()
    {
        var nodes = new GraphNode[]
        {
            new(new Conv2d(4, 3, padding: 1, name: "shared"), null, [Graph.GraphInput]),
            new(new BatchNorm2d(name: "bn"), null, [0]),
            new(new ReLU(name: "relu"), null, [0]), // a second reader of the convolution
            new(null, new Add(name: "add"), [1, 2]),
            new(new Conv2d(4, 1, name: "out_conv"), null, [3]),
            new(new ReLU(name: "after_output"), null, [4]),
        };
        var fusion = EvaluationFusion.Find(nodes, [4, 5]);
        Assert.Null(fusion);
    }

    public static TheoryData<string> Architectures_ => new(["resnet18", "cifar_resnet20", "vgg11_bn", "vgg11", "lenet5", "fcn8s"]);

    [Theory, MemberData(nameof(Architectures_))]
    public void FusedEvaluation_GivesTheBitsOfLayerByLayer(string name)
    {
        var (root, sample) = name switch
        {
            "resnet18" => ((ILayer)Architectures.ResNet18(classes: 10), new Shape(3, 48, 48)),
            "cifar_resnet20" => (Architectures.CifarResNet(20), new Shape(3, 32, 32)),
            "vgg11_bn" => (Architectures.Vgg11(batchNorm: true, inputSize: 32, classes: 10), new Shape(3, 32, 32)),
            "vgg11" => (Architectures.Vgg11(inputSize: 32, classes: 10), new Shape(3, 32, 32)),
            "lenet5" => (Architectures.LeNet5(), new Shape(1, 28, 28)),
            _ => (Architectures.Fcn8s(classes: 5, depth: 18), new Shape(3, 64, 64)),
        };
        using var network = new Network(root, sample, seed: 7);
        var random = new RandomStream(8, name);
        foreach (var norm in Network.Flatten(network.Root).OfType<BatchNorm>())
        {
            int c = norm.RunningMean.Size;
            norm.RunningMean.Value.CopyFrom(Values(c, random, -0.5, 0.5));
            norm.RunningVar.Value.CopyFrom(Values(c, random, 0.2, 3));
            norm.Weight.Value.CopyFrom(Values(c, random, 0.5, 1.5));
            norm.BiasParameter.Value.CopyFrom(Values(c, random, -0.3, 0.3));
        }
        using var input = network.Backend.Allocate(network.InputShape.WithBatch(2));
        input.CopyFrom(Values(input.Size, random, -1, 1));

        var fused = network.Forward(input).ToArray();
        var separate = LayerByLayer(network.Root, input).ToArray();
        Assert.Equal(separate.Length, fused.Length);
        Assert.Equal(separate.Select(BitConverter.SingleToInt32Bits), fused.Select(BitConverter.SingleToInt32Bits));
        Assert.Contains(fused, v => v != 0f);
    }

    /// <summary>The graph's first output with every layer run on its own, in node order.</summary>
    private static Tensor LayerByLayer(ILayer layer, Tensor input)
    {
        if (layer is not Graph graph) return layer.Forward(input, training: false);
        var values = new Tensor[graph.Nodes.Count];
        Tensor ValueOf(int i) => i == Graph.GraphInput ? input : values[i];
        for (int i = 0; i < graph.Nodes.Count; i++)
        {
            var node = graph.Nodes[i];
            values[i] = node.Layer is not null ? LayerByLayer(node.Layer, ValueOf(node.Inputs[0])) : node.Merge!.Forward(node.Inputs.Select(ValueOf).ToArray());
        }
        return values[graph.OutputNodes[0]];
    }

    private static float[] Values(int count, RandomStream random, double low, double high) =>
        Enumerable.Range(0, count).Select(_ => (float)(low + (high - low) * random.NextDouble())).ToArray();
}
