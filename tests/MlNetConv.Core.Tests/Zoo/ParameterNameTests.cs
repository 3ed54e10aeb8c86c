using MlNetConv.Backends.Meta;
using MlNetConv.Graphs;
using MlNetConv.Layers;
using MlNetConv.Summary;
using MlNetConv.Tensors;
using MlNetConv.Zoo;

namespace MlNetConv.Tests.Zoo;

/// <summary>
/// Parameters carry torchvision's state_dict names and shapes, in its order, so that weights can be exchanged
/// (torchvision's BatchNorm also stores <c>num_batches_tracked</c>, which this engine does not keep).
/// </summary>
public sealed class ParameterNameTests
{
    private static readonly Shape ImageNet = new(3, 224, 224);
    private static readonly string[] BatchNorm = ["weight", "bias", "running_mean", "running_var"];

    [Fact]
    public void ResNet18HasTorchvisionsStateDict()
    {
        var expected = new List<string> { "conv1.weight" };
        expected.AddRange(BatchNorm.Select(s => $"bn1.{s}"));
        for (int layer = 1; layer <= 4; layer++)
            for (int block = 0; block < 2; block++)
            {
                string b = $"layer{layer}.{block}";
                foreach (int i in new[] { 1, 2 })
                {
                    expected.Add($"{b}.conv{i}.weight");
                    expected.AddRange(BatchNorm.Select(s => $"{b}.bn{i}.{s}"));
                }
                if (layer > 1 && block == 0)
                {
                    expected.Add($"{b}.downsample.0.weight");
                    expected.AddRange(BatchNorm.Select(s => $"{b}.downsample.1.{s}"));
                }
            }
        expected.AddRange(["fc.weight", "fc.bias"]);

        using var network = Build(Architectures.ResNet18());
        Assert.Equal(expected, network.Parameters.Select(p => p.Name));
        Assert.Equal(new Shape(128, 64, 1, 1), network["layer2.0.downsample.0.weight"].Shape);
        Assert.Equal(new Shape(1000, 512), network["fc.weight"].Shape);
    }

    [Fact]
    public void ResNet50StridesTheBottlenecks3x3()
    {
        using var network = Build(Architectures.ResNet50());
        Assert.Equal(new Shape(256, 64, 1, 1), network["layer1.0.conv3.weight"].Shape);
        Assert.Equal(new Shape(256, 64, 1, 1), network["layer1.0.downsample.0.weight"].Shape);
        Assert.Equal(new Shape(2048), network["layer4.2.bn3.running_var"].Shape);
        var summary = ModelSummary.Of(network);
        // torchvision v1.5: conv1 (1x1) keeps 56x56, conv2 (3x3) halves it.
        Assert.Equal(new Shape(1, 128, 56, 56), summary["layer2.0.conv1"].OutputShape);
        Assert.Equal(new Shape(1, 128, 28, 28), summary["layer2.0.conv2"].OutputShape);
        Assert.Equal(new Shape(1, 512, 28, 28), summary["layer2.0.downsample.0"].OutputShape);
    }

    [Fact]
    public void VggNumbersItsLayersLikeTorchvision()
    {
        int[] convs = [0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28];
        using var vgg16 = Build(Architectures.Vgg16());
        Assert.Equal(convs.Select(i => $"features.{i}").Concat(["classifier.0", "classifier.3", "classifier.6"])
            .SelectMany(l => new[] { $"{l}.weight", $"{l}.bias" }), vgg16.Parameters.Select(p => p.Name));

        using var vgg16Bn = Build(Architectures.Vgg16(batchNorm: true));
        // With batch normalisation every stage's layers shift: conv k sits at 3k plus one per pool before it.
        Assert.Equal(new Shape(512, 512, 3, 3), vgg16Bn["features.40.weight"].Shape);
        Assert.Equal(new Shape(512), vgg16Bn["features.41.running_mean"].Shape);
        Assert.Equal(new Shape(4096, 25088), vgg16Bn["classifier.0.weight"].Shape);
    }

    [Fact]
    public void AlexNetHasTorchvisionsStateDict()
    {
        using var network = Build(Architectures.AlexNet());
        Assert.Equal(new[] { "features.0", "features.3", "features.6", "features.8", "features.10", "classifier.1", "classifier.4", "classifier.6" }
            .SelectMany(l => new[] { $"{l}.weight", $"{l}.bias" }), network.Parameters.Select(p => p.Name));
        Assert.Equal(new Shape(64, 3, 11, 11), network["features.0.weight"].Shape);
        Assert.Equal(new Shape(4096, 9216), network["classifier.1.weight"].Shape);
    }

    [Fact]
    public void ClassicAlexNetGroupsTheSingleGpuLayers()
    {
        using var network = new Network(Architectures.AlexNetClassic(), new Shape(3, 227, 227), MetaBackend.Default);
        Assert.Equal(new Shape(256, 48, 5, 5), network["conv2.weight"].Shape);
        Assert.Equal(new Shape(384, 256, 3, 3), network["conv3.weight"].Shape);
        Assert.Equal(new Shape(384, 192, 3, 3), network["conv4.weight"].Shape);
        Assert.Equal(new Shape(256, 192, 3, 3), network["conv5.weight"].Shape);
        Assert.Equal(new Shape(4096, 9216), network["fc6.weight"].Shape);
        Assert.Contains(Network.Flatten(network.Root), l => l is LocalResponseNorm { Name: "norm2" });
    }

    [Fact]
    public void GoogLeNetHasTorchvisionsNames()
    {
        using var network = Build(Architectures.GoogLeNet(auxLogits: true));
        Assert.Equal(new Shape(64, 3, 7, 7), network["conv1.conv.weight"].Shape);
        Assert.Equal(new Shape(64), network["conv1.bn.running_mean"].Shape);
        Assert.Equal(new Shape(64, 192, 1, 1), network["inception3a.branch1.conv.weight"].Shape);
        Assert.Equal(new Shape(128, 96, 3, 3), network["inception3a.branch2.1.conv.weight"].Shape);
        // torchvision's "5x5" branch is a 3x3 convolution.
        Assert.Equal(new Shape(32, 16, 3, 3), network["inception3a.branch3.1.conv.weight"].Shape);
        Assert.Equal(new Shape(128, 832, 1, 1), network["inception5b.branch4.1.conv.weight"].Shape);
        Assert.Equal(new Shape(128, 512, 1, 1), network["aux1.conv.conv.weight"].Shape);
        Assert.Equal(new Shape(128, 528, 1, 1), network["aux2.conv.conv.weight"].Shape);
        Assert.Equal(new Shape(1024, 2048), network["aux2.fc1.weight"].Shape);
        Assert.Equal(new Shape(1000, 1024), network["fc.weight"].Shape);
        Assert.All(Network.Flatten(network.Root).OfType<BatchNorm>(), bn => Assert.Equal(1e-3f, bn.Epsilon));
        Assert.All(Network.Flatten(network.Root).OfType<Convolution>(), conv => Assert.False(conv.HasBias));
        Assert.Equal(3, network.OutputCount);
    }

    private static Network Build(ILayer architecture) => new(architecture, ImageNet, MetaBackend.Default);
}
