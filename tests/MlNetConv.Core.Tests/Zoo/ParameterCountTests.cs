using MlNetConv.Backends.Meta;
using MlNetConv.Graphs;
using MlNetConv.Layers;
using MlNetConv.Summary;
using MlNetConv.Tensors;
using MlNetConv.Zoo;

namespace MlNetConv.Tests.Zoo;

/// <summary>
/// Trainable parameters on 3x224x224 with 1000 classes equal torchvision's (<c>sum(p.numel() for p in m.parameters())</c>,
/// which leaves out BatchNorm's running statistics). Counted from shapes on the meta backend: nothing is allocated.
/// </summary>
public sealed class ParameterCountTests
{
    private static readonly Shape ImageNet = new(3, 224, 224);

    public static TheoryData<string, long> TorchvisionCounts => new()
    {
        { "resnet18", 11_689_512 },
        { "resnet34", 21_797_672 },
        { "resnet50", 25_557_032 },
        { "resnet101", 44_549_160 },
        { "resnet152", 60_192_808 },
        { "vgg11", 132_863_336 },
        { "vgg13", 133_047_848 },
        { "vgg16", 138_357_544 },
        { "vgg19", 143_667_240 },
        { "vgg11_bn", 132_868_840 },
        { "vgg13_bn", 133_053_736 },
        { "vgg16_bn", 138_365_992 },
        { "vgg19_bn", 143_678_248 },
        { "alexnet", 61_100_840 },
        { "googlenet", 6_624_904 },
    };

    [Theory, MemberData(nameof(TorchvisionCounts))]
    public void MatchesTorchvision(string name, long parameters) =>
        Assert.Equal(parameters, ModelSummary.Of(ImageNetArchitecture(name), ImageNet).TotalParameters);

    [Fact]
    public void GoogLeNetAuxiliaryHeadsAddTorchvisionsCount()
    {
        // torchvision's googlenet(aux_logits=True, init_weights=True) before the heads are dropped: 13,004,888.
        var summary = ModelSummary.Of(Architectures.GoogLeNet(auxLogits: true), ImageNet);
        Assert.Equal(13_004_888, summary.TotalParameters);
        // fc1 sees 128 channels pooled to 4x4 = 2048 features, as in torchvision.
        Assert.Equal(2048 * 1024 + 1024, summary["aux1.fc1"].Parameters);
    }

    [Fact]
    public void ClassicAlexNetMatchesCaffe()
    {
        var input = new Shape(3, 227, 227);
        Assert.Equal(60_965_224, ModelSummary.Of(Architectures.AlexNetClassic(), input).TotalParameters);
        Assert.Equal(62_378_344, ModelSummary.Of(Architectures.AlexNetClassic(twoGpus: false), input).TotalParameters);
    }

    [Fact]
    public void CifarResNet20HasOptionBProjections()
    {
        // 269,722 with the paper's parameter-free option A shortcuts, plus two 1x1 projections with batch normalisation.
        var summary = ModelSummary.Of(Architectures.CifarResNet(20), new Shape(3, 32, 32));
        Assert.Equal(269_722 + (16 * 32 + 2 * 32) + (32 * 64 + 2 * 64), summary.TotalParameters);
    }

    [Fact]
    public void RunningStatisticsAreBuffersNotParameters()
    {
        using var network = new Network(Architectures.ResNet18(), ImageNet, MetaBackend.Default);
        long buffers = network.Parameters.Where(p => !p.Trainable).Sum(p => (long)p.Size);
        // running_mean and running_var of every BatchNorm: 2 x 4,800 channels.
        Assert.Equal(2 * Network.Flatten(network.Root).OfType<BatchNorm>().Sum(bn => (long)bn.InputShape.C), buffers);
        Assert.Equal(9_600, buffers);
        Assert.Equal(11_689_512, network.ParameterCount);
    }

    internal static ILayer ImageNetArchitecture(string name) => name switch
    {
        "alexnet" => Architectures.AlexNet(),
        "googlenet" => Architectures.GoogLeNet(),
        _ when name.StartsWith("resnet") => Architectures.ResNet(int.Parse(name["resnet".Length..])),
        _ when name.StartsWith("vgg") => Architectures.Vgg(int.Parse(name[3..5]), batchNorm: name.EndsWith("_bn")),
        _ => throw new ArgumentException(name),
    };
}
