using MlNetConv.Graphs;

namespace MlNetConv.Zoo;

/// <summary>VGG (Simonyan and Zisserman 2015, "Very Deep Convolutional Networks for Large-Scale Image Recognition").</summary>
public static partial class Architectures
{
    /// <summary>
    /// VGG-11/13/16/19 (the paper's configurations A, B, D, E), as torchvision builds them: <c>features</c>, five stages of
    /// 3x3 "same" convolutions with 64, 128, 256, 512, 512 channels, each followed by ReLU (and batch normalisation before
    /// it in the <c>_bn</c> variants, whose convolutions keep their bias) and closed by a 2x2/2 max pool; <c>avgpool</c>
    /// to 7x7; <c>classifier</c>, dense 4096-4096-classes with ReLU and dropout 0.5. Names are torchvision's
    /// (<c>features.0.weight</c>, <c>classifier.6.bias</c>). On 3x224x224 inputs with 1000 classes VGG-16 has
    /// 138,357,544 parameters and VGG-19 143,667,240.
    /// </summary>
    /// <param name="depth">11, 13, 16 or 19 weight layers</param>
    /// <param name="inputSize">image height and width, at least 32: the features end at inputSize/32, which is pooled to
    /// 7x7 where that is larger (see the adaptive pooling note on <see cref="AlexNet"/>) and kept as it is where smaller</param>
    public static Sequential Vgg(int depth, bool batchNorm = false, int inputSize = 224, int classes = 1000)
    {
        int[] convs = depth switch
        {
            11 => [1, 1, 2, 2, 2],
            13 => [2, 2, 2, 2, 2],
            16 => [2, 2, 3, 3, 3],
            19 => [2, 2, 4, 4, 4],
            _ => throw new ArgumentException($"Vgg: depth must be 11, 13, 16 or 19, got {depth}.", nameof(depth)),
        };
        void Features(NetworkBuilder f)                  // (N, C, H, W) -> (N, 512, H/32, W/32)
        {
            for (int stage = 0; stage < 5; stage++)
            {
                for (int i = 0; i < convs[stage]; i++)
                {
                    f.Conv2d(Math.Min(64 << stage, 512), 3, padding: 1);
                    if (batchNorm) f.BatchNorm2d();
                    f.ReLU();
                }
                f.MaxPool2d(2);
            }
        }
        return new NetworkBuilder()
            .Block("features", Features)
            .AdaptiveAvgPool2d(OutputSizeOf(Features, inputSize), 7, "avgpool")  // (N, 512, 7, 7) at 224
            .Flatten("flatten")
            .Block("classifier", c => c.Dense(4096).ReLU().Dropout(0.5f).Dense(4096).ReLU().Dropout(0.5f).Dense(classes))
            .Build(batchNorm ? $"vgg{depth}_bn" : $"vgg{depth}");
    }

    public static Sequential Vgg11(bool batchNorm = false, int inputSize = 224, int classes = 1000) => Vgg(11, batchNorm, inputSize, classes);
    public static Sequential Vgg13(bool batchNorm = false, int inputSize = 224, int classes = 1000) => Vgg(13, batchNorm, inputSize, classes);
    public static Sequential Vgg16(bool batchNorm = false, int inputSize = 224, int classes = 1000) => Vgg(16, batchNorm, inputSize, classes);
    public static Sequential Vgg19(bool batchNorm = false, int inputSize = 224, int classes = 1000) => Vgg(19, batchNorm, inputSize, classes);
}
