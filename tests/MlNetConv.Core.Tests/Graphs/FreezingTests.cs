using System.Diagnostics;
using MlNetConv.Graphs;
using MlNetConv.Layers;
using MlNetConv.Losses;
using MlNetConv.Tensors;
using MlNetConv.Zoo;
using Xunit.Abstractions;

namespace MlNetConv.Tests.Graphs;

/// <summary>
/// Freezing a node and what it depends on: which weights, the names it refuses, and a backward pass that skips every
/// layer with nothing to train behind it while the trained layers get the gradients they get without freezing.
/// </summary>
public sealed class FreezingTests(ITestOutputHelper output)
{
    private static readonly Shape Cifar = new(3, 32, 32);

    [Fact]
    public void Freeze_TakesTheNodeAndItsAncestorsThroughNestedGraphs()
    {
        using var network = new Network(Architectures.ResNet18(classes: 5, width: 8), Cifar, MlNetConv.Backends.Meta.MetaBackend.Default);
        var frozen = network.Freeze("layer2.0.conv2");

        // The stem, layer1, and in layer2's first block the main path up to conv2; not the shortcut beside it (downsample), nor bn2.
        string[] expected = [.. network.TrainableParameters.Select(p => p.Name).Where(n =>
            n.StartsWith("conv1.") || n.StartsWith("bn1.") || n.StartsWith("layer1.") || n.StartsWith("layer2.0.conv1.")
            || n.StartsWith("layer2.0.bn1.") || n.StartsWith("layer2.0.conv2."))];
        Assert.Equal(expected, frozen);
        Assert.Equal(expected, network.TrainableParameters.Where(p => p.Frozen).Select(p => p.Name));
        Assert.Equal(network.TrainableParameters.Where(p => !p.Frozen), network.UpdatedParameters);
        Assert.Contains(network.UpdatedParameters, p => p.Name == "layer2.0.downsample.0.weight");
        Assert.Equal(network.TrainableParameters.Count, network.UpdatedParameters.Count + frozen.Count);

        // A whole stage, and everything before the head.
        Assert.Equal(network.TrainableParameters.Count - 2, network.Freeze("avgpool").Count);
        Assert.Equal(["fc.weight", "fc.bias"], network.UpdatedParameters.Select(p => p.Name));
        network.Unfreeze();
        Assert.Equal(network.TrainableParameters, network.UpdatedParameters);
        Assert.Equal(network.TrainableParameters.Select(p => p.Name), network.Freeze("fc"));
    }

    [Fact]
    public void Freeze_OfAnUnknownNode_NamesTheNodesThereAre()
    {
        using var network = new Network(Architectures.ResNet18(classes: 5, width: 8), Cifar, MlNetConv.Backends.Meta.MetaBackend.Default);
        var top = Assert.Throws<ArgumentException>(() => network.Freeze("layer5"));
        Assert.StartsWith("The network has no node 'layer5'. Its nodes are conv1, bn1, relu, maxpool, layer1, layer2, layer3, layer4, avgpool, fc. " +
            "Nested nodes are named by their dotted path, as parameters are (layer1.0).", top.Message);
        var nested = Assert.Throws<ArgumentException>(() => network.Freeze("layer1.7.conv1"));
        Assert.StartsWith("The network has no node 'layer1.7.conv1'. Its nodes are conv1, bn1, relu, maxpool, layer1, layer2, layer3, layer4, avgpool, fc; " +
            "'layer1' has 0, 1.", nested.Message);
        Assert.Throws<ArgumentException>(() => network.ParametersThrough("fc.weight"));
        Assert.DoesNotContain(network.TrainableParameters, p => p.Frozen);
        Assert.Throws<InvalidOperationException>(() => network["bn1.running_mean"].Frozen = true);
    }

    /// <summary>An imported graph's node names may hold dots: such a name is found whole.</summary>
    [Fact]
    public void NodeNamesWithDots_AreFoundWhole()
    {
        var g = new GraphBuilder();
        var x = g.Add(g.Input, new Conv2d(2, 3, name: "features.conv"), new ReLU(name: "features.relu"));
        var root = g.Build("imported", g.Add(x, new Flatten(name: "flatten"), new Dense(2, name: "classifier.fc")));
        using var network = new Network(root, new Shape(1, 5, 5), MlNetConv.Backends.Meta.MetaBackend.Default);
        Assert.Equal(["features.conv.weight", "features.conv.bias"], network.Freeze("features.relu"));
        Assert.Equal("features.relu", GraphSurgery.LastHiddenNode(root));
        Assert.Equal(["features.conv", "features.relu"], ((Graph)GraphSurgery.CutAt(root, "features.relu")).Nodes.Select(n => n.Name));
    }

    /// <summary>
    /// With everything but the head frozen, backward computes the head's gradients only: the frozen layers' gradient
    /// tensors are never written (backward would add to the 7 planted in them), and the head's are those of a full backward.
    /// </summary>
    [Fact]
    public void AFrozenBackbone_IsSkippedByBackward_AndTheHeadGetsTheSameGradients()
    {
        var (full, frozen) = StepTwins(3, network =>
        {
            network.Freeze("avgpool");
            foreach (var p in network.TrainableParameters.Where(p => p.Frozen)) p.Grad!.CopyFrom(Enumerable.Repeat(7f, p.Size).ToArray());
        });
        using (full)
        using (frozen)
        {
            Assert.All(frozen.TrainableParameters.Where(p => p.Frozen), p => Assert.All(p.Grad!.ToArray(), g => Assert.Equal(7f, g)));
            Assert.Equal(["fc.weight", "fc.bias"], frozen.UpdatedParameters.Select(p => p.Name));
            foreach (var p in frozen.UpdatedParameters) Assert.Equal(full[p.Name].Grad!.ToArray(), p.Grad!.ToArray());
        }
    }

    /// <summary>A network frozen whole gets the loss gradient at its output and computes nothing from it.</summary>
    [Fact]
    public void AWhollyFrozenNetwork_ComputesNoGradientAtAll()
    {
        var (_, frozen) = StepTwins(4, network =>
        {
            network.Freeze("fc");
            foreach (var p in network.TrainableParameters) p.Grad!.CopyFrom(Enumerable.Repeat(7f, p.Size).ToArray());
        });
        using (frozen)
        {
            Assert.Empty(frozen.UpdatedParameters);
            Assert.All(frozen.TrainableParameters, p => Assert.All(p.Grad!.ToArray(), g => Assert.Equal(7f, g)));
        }
    }

    /// <summary>A frozen layer behind a trained one still passes the gradient back: the trained stem's gradient is unchanged.</summary>
    [Fact]
    public void AFrozenMiddle_StillCarriesTheGradientToTheLayersBeforeIt()
    {
        var (full, partly) = StepTwins(5, network =>
        {
            foreach (var p in network.ParametersThrough("layer3").Where(p => p.Name.StartsWith("layer"))) p.Frozen = true;
        });
        using (full)
        using (partly)
        {
            foreach (var p in partly.UpdatedParameters)
                Assert.Equal(full[p.Name].Grad!.ToArray(), p.Grad!.ToArray());
            Assert.Contains(partly.UpdatedParameters, p => p.Name == "conv1.weight");
        }
    }

    /// <summary>
    /// The speed-up of a training step (forward, loss, backward, SGD) of ResNet-18 with everything but the head frozen;
    /// printed, not asserted (a timing on shared cores).
    /// </summary>
    [Fact]
    public void ResNet18_TrainingStepWithAFrozenBackbone_PrintsItsSpeedUp()
    {
        var (network, input, targets) = ResNetStep(width: 64, batch: 8, seed: 1, size: 64);
        using (network)
        {
            double Median(bool frozen)
            {
                network.Unfreeze();
                if (frozen) network.Freeze("avgpool");
                var optimizer = new MlNetConv.Optimizers.SgdOptions(0.01f, 0.9f).Create(network.UpdatedParameters);
                var times = new List<double>();
                for (int i = 0; i < 5; i++)
                {
                    var clock = Stopwatch.StartNew();
                    Step(network, input, targets);
                    optimizer.Step();
                    times.Add(clock.Elapsed.TotalMilliseconds);
                }
                return times.Order().ElementAt(2);
            }
            Median(false);
            double all = Median(false), head = Median(true);
            output.WriteLine($"ResNet-18 (3x64x64, batch 8) training step on {Environment.ProcessorCount} cores: all trained {all:F1} ms, " +
                $"only the head trained {head:F1} ms: {all / head:F2}x faster (median of 5).");
            Assert.Equal(2, network.UpdatedParameters.Count);
        }
    }

    /// <summary>Two ResNet-18s with the same weights after one step on the same mini-batch, the second with <paramref name="freeze"/> done first.</summary>
    private static (Network Full, Network Frozen) StepTwins(ulong seed, Action<Network> freeze)
    {
        var (full, input, targets) = ResNetStep(width: 8, batch: 4, seed);
        var (frozen, _, _) = ResNetStep(width: 8, batch: 4, seed);
        freeze(frozen);
        Step(full, input, targets);
        Step(frozen, input, targets);
        return (full, frozen);
    }

    private static (Network Network, Tensor Input, Targets Targets) ResNetStep(int width, int batch, ulong seed, int size = 32)
    {
        var network = new Network(Architectures.ResNet18(classes: 5, width: width), new Shape(3, size, size), seed: seed);
        var input = network.Backend.Allocate(network.InputShape.WithBatch(batch));
        var random = new RandomStream(seed, "input");
        input.CopyFrom(Enumerable.Range(0, input.Size).Select(_ => (float)random.NextGaussian()).ToArray());
        var labels = network.Backend.AllocateIndices(new Shape(batch));
        network.Backend.UploadIndices(Enumerable.Range(0, batch).Select(i => i % 5).ToArray(), labels);
        return (network, input, new Targets(labels));
    }

    private static void Step(Network network, Tensor input, Targets targets)
    {
        network.ZeroGrad();
        var logits = network.Forward(input, training: true);
        network.Backward(new SoftmaxCrossEntropyLoss().Compute(logits, targets).Gradient);
    }
}
