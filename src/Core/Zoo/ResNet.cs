using MlNetConv.Graphs;
using MlNetConv.Layers;

namespace MlNetConv.Zoo;

/// <summary>ResNet for ImageNet (He et al. 2016, "Deep Residual Learning for Image Recognition"), torchvision's layout.</summary>
public static partial class Architectures
{
    /// <summary>
    /// ResNet-18/34 (basic blocks: two 3x3 convolutions) or ResNet-50/101/152 (bottlenecks: 1x1 reduce, 3x3, 1x1 expand
    /// by 4), as torchvision builds them: a 7x7/2 stem with batch normalisation and a 3x3/2 max pool, four stages of
    /// 64/128/256/512 planes, the first block of stages 2-4 halving the size, global average pooling and one dense layer.
    /// Bottlenecks stride their 3x3 convolution (torchvision's "v1.5"; the paper strides the first 1x1). Where a block
    /// changes shape its shortcut is a 1x1 convolution plus batch normalisation (<c>downsample</c>, the paper's option B).
    /// Parameter names are torchvision's (<c>conv1.weight</c>, <c>layer1.0.bn1.running_mean</c>,
    /// <c>layer2.0.downsample.0.weight</c>, <c>fc.weight</c>). On 3x224x224 inputs with 1000 classes ResNet-18 has
    /// 11,689,512 trainable parameters, ResNet-50 25,557,032; any input from 32x32 up works: the map is 1/32 of the
    /// input before the global pooling.
    /// </summary>
    /// <param name="depth">18, 34, 50, 101 or 152</param>
    /// <param name="width">planes of the stem and the first stage (64 in the paper); the stages have width, 2, 4 and 8 times
    /// that. A smaller width gives the same layout with fewer channels (16 for MNIST-sized inputs).</param>
    public static Sequential ResNet(int depth, int classes = 1000, int width = 64)
    {
        var (stages, _) = ResNetStages(depth, width);
        var b = new NetworkBuilder();
        foreach (var layer in stages.SelectMany(s => s)) b.Add(layer);                     // (N, 8·width·expansion, H/32, W/32)
        return b.GlobalAvgPool("avgpool").Dense(classes, name: "fc")                       // (N, classes)
            .Build(width == 64 ? $"resnet{depth}" : $"resnet{depth}_w{width}");
    }

    /// <summary>
    /// ResNet's feature extractor in five pieces, named as in <see cref="ResNet"/>: the stem (<c>conv1</c>, <c>bn1</c>,
    /// <c>relu</c>, <c>maxpool</c>; 1/4 of the input) and the stages <c>layer1</c> … <c>layer4</c> (1/4, 1/8, 1/16, 1/32),
    /// with the channels each piece ends with.
    /// </summary>
    private static (ILayer[][] Pieces, int[] Channels) ResNetStages(int depth, int width)
    {
        int[] blocks = depth switch
        {
            18 => [2, 2, 2, 2],
            34 or 50 => [3, 4, 6, 3],
            101 => [3, 4, 23, 3],
            152 => [3, 8, 36, 3],
            _ => throw new ArgumentException($"ResNet: depth must be 18, 34, 50, 101 or 152, got {depth}.", nameof(depth)),
        };
        if (width <= 0) throw new ArgumentException($"ResNet: width must be positive, got {width}.", nameof(width));
        bool bottleneck = depth >= 50;
        var pieces = new ILayer[5][];
        var channels = new int[5];
        pieces[0] = LayersOf(b => b
            .ConvBn(width, 7, stride: 2, padding: 3, conv: "conv1", bn: "bn1").ReLU("relu")   // (N, width, H/2, W/2)
            .MaxPool2d(3, 2, padding: 1, name: "maxpool"));                                 // (N, width, H/4, W/4)
        channels[0] = width;
        for (int stage = 0; stage < 4; stage++)
        {
            int inChannels = channels[stage];
            pieces[stage + 1] = LayersOf(b => channels[stage + 1] =
                b.ResidualStage($"layer{stage + 1}", blocks[stage], width << stage, stage == 0 ? 1 : 2, inChannels, bottleneck));
        }
        return (pieces, channels);
    }

    public static Sequential ResNet18(int classes = 1000, int width = 64) => ResNet(18, classes, width);
    public static Sequential ResNet34(int classes = 1000, int width = 64) => ResNet(34, classes, width);
    public static Sequential ResNet50(int classes = 1000, int width = 64) => ResNet(50, classes, width);
    public static Sequential ResNet101(int classes = 1000, int width = 64) => ResNet(101, classes, width);
    public static Sequential ResNet152(int classes = 1000, int width = 64) => ResNet(152, classes, width);

    /// <summary>
    /// A stage (torchvision's <c>layerK</c>) of <paramref name="blocks"/> residual blocks named 0, 1, …; the first one
    /// strides and, where the shape changes, projects its shortcut. Returns the stage's output channels.
    /// </summary>
    private static int ResidualStage(this NetworkBuilder b, string name, int blocks, int planes, int stride, int inChannels, bool bottleneck)
    {
        int outChannels = bottleneck ? 4 * planes : planes;
        b.Block(name, stage =>
        {
            for (int i = 0; i < blocks; i++)
            {
                int s = i == 0 ? stride : 1;
                bool project = i == 0 && (stride != 1 || inChannels != outChannels);
                stage.Add(bottleneck ? Bottleneck($"{i}", planes, s, project) : BasicBlock($"{i}", planes, s, project));
            }
        });
        return outChannels;
    }

    /// <summary>relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)), both convolutions 3x3, the first one strided.</summary>
    private static Graph BasicBlock(string name, int planes, int stride, bool project) => ResidualBlock(name,
        main => main
            .ConvBn(planes, 3, stride, padding: 1, conv: "conv1", bn: "bn1").ReLU("relu1")
            .ConvBn(planes, 3, padding: 1, conv: "conv2", bn: "bn2"),
        project ? planes : null, stride);

    /// <summary>1x1 reduce to <paramref name="planes"/>, 3x3 (strided), 1x1 expand to 4·planes, each normalised; then the sum and ReLU.</summary>
    private static Graph Bottleneck(string name, int planes, int stride, bool project) => ResidualBlock(name,
        main => main
            .ConvBn(planes, 1, conv: "conv1", bn: "bn1").ReLU("relu1")
            .ConvBn(planes, 3, stride, padding: 1, conv: "conv2", bn: "bn2").ReLU("relu2")
            .ConvBn(4 * planes, 1, conv: "conv3", bn: "bn3"),
        project ? 4 * planes : null, stride);

    /// <summary>
    /// y = relu(main(x) + shortcut(x)) laid out as torchvision's blocks: the main path's layers sit directly in the block
    /// (<c>conv1</c>, <c>bn1</c>, …) and a projected shortcut is the chain <c>downsample</c> (<c>0</c> a strided 1x1
    /// convolution to <paramref name="projectTo"/> channels, <c>1</c> its batch normalisation); without it the shortcut
    /// is the identity.
    /// </summary>
    private static Graph ResidualBlock(string name, Action<NetworkBuilder> main, int? projectTo, int stride)
    {
        var g = new GraphBuilder();
        var end = g.Add(g.Input, LayersOf(main));
        var shortcut = projectTo is { } c ? g.Add(new NetworkBuilder().ConvBn(c, 1, stride).Build("downsample"), g.Input) : g.Input;
        var sum = g.Merge(new Add("add"), end, shortcut);
        return g.Build(name, g.Add(new ReLU("relu"), sum));
    }
}
