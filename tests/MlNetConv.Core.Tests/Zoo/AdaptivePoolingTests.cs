using MlNetConv.Graphs;
using MlNetConv.Summary;
using MlNetConv.Tensors;
using MlNetConv.Zoo;

namespace MlNetConv.Tests.Zoo;

/// <summary>
/// torchvision pools adaptively before the classifiers; the zoo reproduces it with one window chosen from the input size:
/// none at 224, an exact pool where the map is a multiple of the target, the map as it is where it is smaller.
/// </summary>
public sealed class AdaptivePoolingTests
{
    [Fact]
    public void AlexNetNeedsNoPoolingAt224()
    {
        var summary = ModelSummary.Of(Architectures.AlexNet(), new Shape(3, 224, 224));
        Assert.DoesNotContain(summary.Rows, r => r.Name == "avgpool");
        Assert.Equal(new Shape(1, 256, 6, 6), summary["features.12"].OutputShape);
    }

    [Fact]
    public void LargerMapsArePooledTo6x6AndKeepTheClassifier()
    {
        // 415x415 ends the features at 12x12: 2x2/2 average pooling is exactly adaptive pooling to 6x6.
        var summary = ModelSummary.Of(Architectures.AlexNet(415), new Shape(3, 415, 415));
        Assert.Equal(new Shape(1, 256, 12, 12), summary["features.12"].OutputShape);
        Assert.Equal("AvgPool2d(kernel_size=2)", summary["avgpool"].Layer);
        Assert.Equal(new Shape(1, 256, 6, 6), summary["avgpool"].OutputShape);
        Assert.Equal(61_100_840, summary.TotalParameters);
    }

    [Fact]
    public void Vgg16At448HasTheSameParametersAsAt224()
    {
        var summary = ModelSummary.Of(Architectures.Vgg16(inputSize: 448), new Shape(3, 448, 448));
        Assert.Equal(new Shape(1, 512, 7, 7), summary["avgpool"].OutputShape);
        Assert.Equal(138_357_544, summary.TotalParameters);
    }

    [Fact]
    public void SmallerMapsFeedTheClassifierAsTheyAre()
    {
        var summary = ModelSummary.Of(Architectures.Vgg16(inputSize: 32, classes: 10), new Shape(3, 32, 32));
        Assert.DoesNotContain(summary.Rows, r => r.Name == "avgpool");
        Assert.Equal(512L * 4096 + 4096, summary["classifier.0"].Parameters);
    }

    [Fact]
    public void GoogLeNetsAuxiliaryHeadsPool5x5By3At224()
    {
        // 14x14 -> 4x4: stride 3 and kernel 14 - 3·3 = 5, the paper's pooling.
        var summary = ModelSummary.Of(Architectures.GoogLeNet(auxLogits: true), new Shape(3, 224, 224));
        Assert.Equal("AvgPool2d(kernel_size=5, stride=3)", summary["aux1.avgpool"].Layer);
        Assert.Equal(new Shape(1, 528, 4, 4), summary["aux2.avgpool"].OutputShape);
    }
}
