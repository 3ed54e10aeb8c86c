using MlNetConv.Graphs;

namespace MlNetConv.Zoo;

/// <summary>ResNet for CIFAR-10 (He et al. 2016, section 4.2).</summary>
public static partial class Architectures
{
    /// <summary>
    /// The paper's CIFAR networks of depth 6n + 2 (ResNet-20, 32, 44, 56, 110 for n = 3, 5, 7, 9, 18): a 3x3 convolution
    /// to 16 channels, three stages of n basic blocks with 16, 32 and 64 channels on 32x32, 16x16 and 8x8 maps, global
    /// average pooling and one dense layer. Where a stage halves the size and doubles the width, the shortcut is a 1x1
    /// strided convolution plus batch normalisation (option B); the paper's CIFAR runs use option A (identity with zero
    /// padding, no parameters), so these networks have (16·32 + 2·32) + (32·64 + 2·64) = 2,752 more weights
    /// (ResNet-20 with 10 classes: 272,474 instead of 269,722). Names as in <see cref="ResNet"/>: <c>conv1</c>,
    /// <c>bn1</c>, <c>layer1.0.conv1.weight</c>, <c>layer2.0.downsample.0.weight</c>, <c>fc</c>.
    /// </summary>
    /// <param name="depth">6n + 2 with n ≥ 1: 20, 32, 44, 56, 110, …</param>
    public static Sequential CifarResNet(int depth = 20, int classes = 10)
    {
        if (depth < 8 || (depth - 2) % 6 != 0)
            throw new ArgumentException($"CifarResNet: depth must be 6n + 2 (20, 32, 44, 56, 110), got {depth}.", nameof(depth));
        int n = (depth - 2) / 6;
        var b = new NetworkBuilder().ConvBn(16, 3, padding: 1, conv: "conv1", bn: "bn1").ReLU("relu");  // (N, 16, H, W)
        int channels = 16;
        for (int stage = 0; stage < 3; stage++)                                                        // (N, 64, H/4, W/4)
            channels = b.ResidualStage($"layer{stage + 1}", n, 16 << stage, stage == 0 ? 1 : 2, channels, bottleneck: false);
        return b.GlobalAvgPool("avgpool").Dense(classes, name: "fc").Build($"cifar_resnet{depth}");
    }
}
