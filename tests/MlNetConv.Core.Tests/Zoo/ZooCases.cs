using MlNetConv.Layers;
using MlNetConv.Tensors;
using MlNetConv.Zoo;

namespace MlNetConv.Tests.Zoo;

/// <param name="Input">one sample (C, H, W), as small as the architecture allows</param>
/// <param name="Batch">two samples where batch normalisation meets 1x1 maps (one value per channel has no variance)</param>
public sealed record ZooCase(string Name, Func<ILayer> Create, Shape Input, int Batch = 1);

/// <summary>Every architecture of the zoo with a small input and few classes, so a forward and backward pass stays cheap.</summary>
public static class ZooCases
{
    public const int Classes = 5;
    private static readonly Shape Cifar = new(3, 32, 32);

    private static readonly ZooCase[] All =
    [
        new("lenet5", () => Architectures.LeNet5(classes: Classes), new Shape(1, 28, 28)),
        new("lenet5_classic", () => Architectures.LeNet5Classic(classes: Classes), new Shape(1, 32, 32)),
        new("alexnet", () => Architectures.AlexNet(63, Classes), new Shape(3, 63, 63)),
        new("alexnet_classic", () => Architectures.AlexNetClassic(Classes), new Shape(3, 67, 67)),
        new("alexnet_classic_one_column", () => Architectures.AlexNetClassic(Classes, twoGpus: false), new Shape(3, 67, 67)),
        new("vgg11", () => Architectures.Vgg11(inputSize: 32, classes: Classes), Cifar),
        new("vgg13", () => Architectures.Vgg13(inputSize: 32, classes: Classes), Cifar),
        new("vgg16", () => Architectures.Vgg16(inputSize: 32, classes: Classes), Cifar),
        new("vgg19", () => Architectures.Vgg19(inputSize: 32, classes: Classes), Cifar),
        new("vgg11_bn", () => Architectures.Vgg11(batchNorm: true, inputSize: 32, classes: Classes), Cifar, Batch: 2),
        new("vgg13_bn", () => Architectures.Vgg13(batchNorm: true, inputSize: 32, classes: Classes), Cifar, Batch: 2),
        new("vgg16_bn", () => Architectures.Vgg16(batchNorm: true, inputSize: 32, classes: Classes), Cifar, Batch: 2),
        new("vgg19_bn", () => Architectures.Vgg19(batchNorm: true, inputSize: 32, classes: Classes), Cifar, Batch: 2),
        new("googlenet", () => Architectures.GoogLeNet(32, Classes), Cifar, Batch: 2),
        new("googlenet_aux", () => Architectures.GoogLeNet(32, Classes, auxLogits: true), Cifar, Batch: 2),
        new("resnet18", () => Architectures.ResNet18(Classes), Cifar, Batch: 2),
        new("resnet34", () => Architectures.ResNet34(Classes), Cifar, Batch: 2),
        new("resnet50", () => Architectures.ResNet50(Classes), Cifar, Batch: 2),
        new("resnet101", () => Architectures.ResNet101(Classes), Cifar, Batch: 2),
        new("resnet152", () => Architectures.ResNet152(Classes), Cifar, Batch: 2),
        new("cifar_resnet20", () => Architectures.CifarResNet(20, Classes), new Shape(3, 8, 8), Batch: 2),
        new("cifar_resnet32", () => Architectures.CifarResNet(32, Classes), new Shape(3, 8, 8), Batch: 2),
        new("cifar_resnet44", () => Architectures.CifarResNet(44, Classes), new Shape(3, 8, 8), Batch: 2),
        new("cifar_resnet56", () => Architectures.CifarResNet(56, Classes), new Shape(3, 8, 8), Batch: 2),
        new("cifar_resnet110", () => Architectures.CifarResNet(110, Classes), new Shape(3, 8, 8), Batch: 2),
    ];

    public static IEnumerable<string> Names => All.Select(c => c.Name);

    public static ZooCase Get(string name) => All.Single(c => c.Name == name);
}
