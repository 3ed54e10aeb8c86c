using MlNetConv.Layers;
using MlNetConv.Tensors;
using MlNetConv.Zoo;

namespace MlNetConv.Cli;

/// <summary>A zoo architecture under its command-line name, with the input it was designed for.</summary>
/// <param name="DefaultInput">the sample shape (C, H, W) of the paper or of torchvision</param>
/// <param name="Create">the network for a square input of the given size and a number of classes</param>
internal sealed record ZooModel(string Name, string Description, Shape DefaultInput, int DefaultClasses, Func<int, int, ILayer> Create)
{
    /// <summary>The network for <paramref name="input"/> (C, H, W) and <paramref name="classes"/>; sizes the zoo cannot take are a usage error.</summary>
    public ILayer For(Shape input, int classes)
    {
        if (input.Rank != 3 || input[1] != input[2])
            throw new CliException($"{Name}: the zoo's networks take square inputs CxSxS, got {FormatShape(input)}.", ExitCodes.Usage);
        return Create(input[1], classes);
    }

    public static string FormatShape(Shape sample) => string.Join("x", Enumerable.Range(0, sample.Rank).Select(i => sample[i]));
}

/// <summary>
/// The zoo by command-line name (lenet5, alexnet, vgg16-bn, googlenet, resnet50, resnet20, …): one registry that
/// summary, compare and train share, so a name means the same network, default input and class count everywhere.
/// </summary>
internal static class ZooModels
{
    private static readonly Shape ImageNet = new(3, 224, 224), Cifar = new(3, 32, 32);

    public static IReadOnlyList<ZooModel> All { get; } = Build();

    /// <summary>The model called <paramref name="name"/> (case-insensitive; "resnet-18" and "resnet_18" also match).</summary>
    /// <exception cref="CliException">an unknown name (a usage error listing the known ones)</exception>
    public static ZooModel Find(string name)
    {
        string key = name.Trim().ToLowerInvariant().Replace('_', '-');
        return All.FirstOrDefault(m => m.Name == key || m.Name.Replace("-", "") == key.Replace("-", ""))
            ?? throw new CliException($"Unknown architecture '{name}'. Known: {string.Join(", ", All.Select(m => m.Name))}.", ExitCodes.Usage);
    }

    private static List<ZooModel> Build()
    {
        var models = new List<ZooModel>
        {
            new("lenet5", "LeNet-5, ReLU and max pooling", new Shape(1, 28, 28), 10, (s, k) => Architectures.LeNet5(s, k)),
            new("lenet5-classic", "LeNet-5 as in LeCun et al. 1998", new Shape(1, 32, 32), 10, (s, k) => Architectures.LeNet5Classic(s, k)),
            new("alexnet", "AlexNet, torchvision's single column", ImageNet, 1000, (s, k) => Architectures.AlexNet(s, k)),
            new("alexnet-classic", "AlexNet as in Krizhevsky et al. 2012 (two GPUs)", new Shape(3, 227, 227), 1000, (_, k) => Architectures.AlexNetClassic(k)),
        };
        foreach (int depth in (int[])[11, 13, 16, 19])
        {
            models.Add(new($"vgg{depth}", $"VGG-{depth}", ImageNet, 1000, (s, k) => Architectures.Vgg(depth, false, s, k)));
            models.Add(new($"vgg{depth}-bn", $"VGG-{depth} with batch normalisation", ImageNet, 1000, (s, k) => Architectures.Vgg(depth, true, s, k)));
        }
        models.Add(new("googlenet", "GoogLeNet (Inception v1), torchvision's", ImageNet, 1000, (s, k) => Architectures.GoogLeNet(s, k)));
        foreach (int depth in (int[])[18, 34, 50, 101, 152])
            models.Add(new($"resnet{depth}", $"ResNet-{depth}", ImageNet, 1000, (_, k) => Architectures.ResNet(depth, k)));
        foreach (int depth in (int[])[20, 32, 44, 56, 110])
            models.Add(new($"resnet{depth}", $"ResNet-{depth} for CIFAR-10", Cifar, 10, (_, k) => Architectures.CifarResNet(depth, k)));
        return models;
    }
}
