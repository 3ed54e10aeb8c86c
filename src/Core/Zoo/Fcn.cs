using MlNetConv.Graphs;
using MlNetConv.Init;
using MlNetConv.Layers;

namespace MlNetConv.Zoo;

/// <summary>FCN (Long, Shelhamer and Darrell 2015, "Fully Convolutional Networks for Semantic Segmentation") on a ResNet backbone.</summary>
public static partial class Architectures
{
    /// <summary>
    /// FCN-32s, FCN-16s or FCN-8s: per-pixel class scores (N, classes, H, W) at the input size. The backbone is
    /// <see cref="ResNet"/>'s feature extractor with its names (<c>conv1</c>, <c>bn1</c>, <c>layer1</c> … <c>layer4</c>), so
    /// a trained ResNet classifier's weights carry over with <see cref="Network.CopyMatchingParameters"/> (all but
    /// <c>fc</c>). The paper's head, with ResNet's stages in place of VGG's pools (layer4 for pool5, layer3 for pool4,
    /// layer2 for pool3):
    /// <list type="bullet">
    /// <item><c>score_fr</c>, a 1x1 convolution of layer4 (1/32 of the input) to class scores;</item>
    /// <item>FCN-16s and FCN-8s: <c>upscore2</c>, a 4x4 stride-2 transposed convolution, cropped (<c>upscore2c</c>) to
    /// <c>score_layer3</c>, a 1x1 convolution of layer3, and added to it (<c>fuse_layer3</c>, 1/16);</item>
    /// <item>FCN-8s: the same again with layer2: <c>upscore_layer3</c>, <c>upscore_layer3c</c>, <c>score_layer2</c>,
    /// <c>fuse_layer2</c> (1/8);</item>
    /// <item>FCN-4s (finer than the paper, for thin shapes): the same again with layer1: <c>upscore_layer2</c>,
    /// <c>upscore_layer2c</c>, <c>score_layer1</c>, <c>fuse_layer1</c> (1/4);</item>
    /// <item><c>upscore</c> (FCN-32s), <c>upscore16</c>, <c>upscore8</c> or <c>upscore4</c>: a transposed convolution with
    /// kernel 2s and stride s, and <c>score</c>, the crop to the input's extent;</item>
    /// <item>with <paramref name="inputSkip"/>: <c>score_input</c>, a zero-initialised 3x3 convolution of the input
    /// itself to class scores, added at full resolution (<c>fuse_input</c>), so that edges can follow the pixels rather
    /// than the upsampling's smooth interpolation.</item>
    /// </list>
    /// The transposed convolutions have no bias and start as bilinear interpolation (<see cref="Initializers.Bilinear"/>);
    /// the skip scores start at zero, so FCN-16s and FCN-8s begin as the coarser net, as in the paper's staged training.
    /// Unlike the paper's VGG net there is no 100-pixel input padding: a transposed convolution of an n-pixel map gives
    /// (n + 1)s pixels, and every crop starts at s/2, which puts each upsampled pixel centre on the one it interpolates
    /// at. Any input from 32x32 works. The initializers are saved with the architecture, so a copy made with
    /// <see cref="Clone"/> (as the ML.NET trainers make) starts the same way.
    /// </summary>
    /// <param name="outputStride">32, 16, 8 or 4: the finest stage whose scores are fused</param>
    /// <param name="classes">classes including the background (21 for PASCAL VOC)</param>
    /// <param name="depth">ResNet depth: 18, 34, 50, 101 or 152</param>
    /// <param name="width">ResNet width (64 as torchvision's; 16 suits 64x64 MNIST scenes)</param>
    /// <param name="inputSkip">add scores computed from the input pixels at full resolution</param>
    public static Graph Fcn(int outputStride, int classes = 21, int depth = 50, int width = 64, bool inputSkip = false)
    {
        if (outputStride is not (32 or 16 or 8 or 4))
            throw new ArgumentException($"Fcn: output stride must be 32, 16, 8 or 4, got {outputStride}.", nameof(outputStride));
        if (classes <= 0) throw new ArgumentException($"Fcn: classes must be positive, got {classes}.", nameof(classes));
        var (pieces, _) = ResNetStages(depth, width);
        var g = new GraphBuilder();
        var stage = new NodeRef[5];
        stage[0] = g.Add(g.Input, pieces[0]);                                        // (N, width, H/4, W/4)
        for (int i = 1; i < 5; i++) stage[i] = g.Add(stage[i - 1], pieces[i]);       // layer1 … layer4: 1/4, 1/8, 1/16, 1/32
        var score = g.Add(new Conv2d(classes, 1, name: "score_fr"), stage[4]);       // (N, K, H/32, W/32)
        if (outputStride <= 16) score = g.FuseSkip(score, stage[3], classes, "layer3", "upscore2");          // (N, K, H/16, W/16)
        if (outputStride <= 8) score = g.FuseSkip(score, stage[2], classes, "layer2", "upscore_layer3");    // (N, K, H/8, W/8)
        if (outputStride <= 4) score = g.FuseSkip(score, stage[1], classes, "layer1", "upscore_layer2");    // (N, K, H/4, W/4)
        var upscore = g.Add(Upscore(classes, outputStride, outputStride == 32 ? "upscore" : $"upscore{outputStride}"), score);
        var output = g.Merge(new CropTo([outputStride / 2], "score"), upscore, g.Input);                    // (N, K, H, W)
        if (inputSkip)
        {
            var pixels = g.Add(new Conv2d(classes, 3, padding: 1, name: "score_input") { WeightInit = Initializers.Zeros(), BiasInit = Initializers.Zeros() }, g.Input);
            output = g.Merge(new Add("fuse_input"), output, pixels);                                         // (N, K, H, W)
        }
        string name = (width == 64 ? $"fcn{outputStride}s_resnet{depth}" : $"fcn{outputStride}s_resnet{depth}_w{width}") + (inputSkip ? "_input" : "");
        return g.Build(name, output);
    }

    public static Graph Fcn32s(int classes = 21, int depth = 50, int width = 64) => Fcn(32, classes, depth, width);
    public static Graph Fcn16s(int classes = 21, int depth = 50, int width = 64) => Fcn(16, classes, depth, width);
    public static Graph Fcn8s(int classes = 21, int depth = 50, int width = 64) => Fcn(8, classes, depth, width);
    public static Graph Fcn4s(int classes = 21, int depth = 50, int width = 64, bool inputSkip = false) => Fcn(4, classes, depth, width, inputSkip);

    /// <summary>
    /// Doubles the resolution of <paramref name="score"/> and adds the scores of a finer stage: upscore (x2), its crop at
    /// the stage's extent, score_stage (a zero-initialised 1x1 convolution), their sum.
    /// </summary>
    private static NodeRef FuseSkip(this GraphBuilder g, NodeRef score, NodeRef stage, int classes, string stageName, string upscoreName)
    {
        var upscore = g.Add(Upscore(classes, 2, upscoreName), score);
        var skip = g.Add(new Conv2d(classes, 1, name: $"score_{stageName}") { WeightInit = Initializers.Zeros(), BiasInit = Initializers.Zeros() }, stage);
        var aligned = g.Merge(new CropTo([1], $"{upscoreName}c"), upscore, skip);
        return g.Merge(new Add($"fuse_{stageName}"), aligned, skip);
    }

    /// <summary>A bias-free transposed convolution with kernel 2s and stride s, initialised to bilinear interpolation of every class map.</summary>
    private static ConvTranspose2d Upscore(int classes, int stride, string name) =>
        new(classes, 2 * stride, stride, bias: false, name: name) { WeightInit = Initializers.Bilinear() };
}
