using MlNetConv.Graphs;

namespace MlNetConv.Zoo;

/// <summary>GoogLeNet / Inception v1 (Szegedy et al. 2015, "Going Deeper with Convolutions"), torchvision's variant.</summary>
public static partial class Architectures
{
    /// <summary>
    /// GoogLeNet as torchvision builds it. Every convolution is a <c>BasicConv2d</c>: convolution without bias, batch
    /// normalisation (eps 0.001) and ReLU, which the 2014 network predates. Stem 7x7/2, 3x3/2 max pool, 1x1, 3x3, pool;
    /// nine inception modules (3a, 3b, pool, 4a-4e, pool, 5a, 5b), each concatenating a 1x1 branch, a 1x1 reduction then
    /// 3x3, a 1x1 reduction then the "5x5" branch, and a 3x3/1 max pool then a 1x1 projection; global average pooling
    /// (no 7x7x1024 -> 1024 dense layer: 51.38 M weights saved), dropout 0.2 and one dense layer. Max pools round up (ceil
    /// mode). The "5x5" branch is a 3x3 convolution, as in torchvision (a known slip, pytorch/vision#906, kept for its pretrained weights), so
    /// the count matches torchvision's 6,624,904 parameters on 3x224x224 with 1000 classes rather than the paper's 5x5.
    /// Names are torchvision's (<c>conv1.conv.weight</c>, <c>inception3a.branch1.conv.weight</c>,
    /// <c>inception3a.branch2.1.bn.running_var</c>, <c>fc.weight</c>).
    /// <para>
    /// With <paramref name="auxLogits"/> the graph has three outputs: the main logits, then the auxiliary classifiers
    /// <c>aux1</c> on inception 4a and <c>aux2</c> on 4d (torchvision's <c>InceptionAux</c>: average pooling to 4x4, 1x1
    /// convolution to 128, dense 1024 with ReLU, dropout 0.7, dense classes). Train them with a
    /// <see cref="Losses.WeightedSumLoss"/> of weights 1, 0.3, 0.3 as in the paper; for inference only the first output
    /// counts. The pooling to 4x4 is the paper's 5x5/3 on the 14x14 maps of 224 inputs (see the adaptive pooling note on
    /// <see cref="AlexNet"/>), so <paramref name="inputSize"/> matters only with the auxiliary heads. Inputs from 32x32 work
    /// (from 64x64 with the heads pooled to 4x4; smaller maps feed their dense layer as they are).
    /// </para>
    /// </summary>
    public static Graph GoogLeNet(int inputSize = 224, int classes = 1000, bool auxLogits = false)
    {
        static void ToInception4a(NetworkBuilder b) => b
            .Block("conv1", c => c.BasicConv2d(64, 7, stride: 2, padding: 3)).MaxPool2d(3, 2, ceilMode: true, name: "maxpool1")  // (N, 64, 56, 56)
            .Block("conv2", c => c.BasicConv2d(64, 1))
            .Block("conv3", c => c.BasicConv2d(192, 3, padding: 1)).MaxPool2d(3, 2, ceilMode: true, name: "maxpool2")         // (N, 192, 28, 28)
            .Inception("inception3a", 64, 96, 128, 16, 32, 32)                                                                  // (N, 256, 28, 28)
            .Inception("inception3b", 128, 128, 192, 32, 96, 64).MaxPool2d(3, 2, ceilMode: true, name: "maxpool3")            // (N, 480, 14, 14)
            .Inception("inception4a", 192, 96, 208, 16, 48, 64);                                                                // (N, 512, 14, 14)

        var g = new GraphBuilder();
        var x = g.Add(g.Input, LayersOf(ToInception4a));
        int auxSize = auxLogits ? OutputSizeOf(ToInception4a, inputSize) : 0;
        var heads = new List<NodeRef>();
        if (auxLogits) heads.Add(g.Add(AuxiliaryClassifier("aux1", auxSize, classes), x));
        x = g.Add(x, LayersOf(b => b
            .Inception("inception4b", 160, 112, 224, 24, 64, 64)
            .Inception("inception4c", 128, 128, 256, 24, 64, 64)
            .Inception("inception4d", 112, 144, 288, 32, 64, 64)));                                                             // (N, 528, 14, 14)
        if (auxLogits) heads.Add(g.Add(AuxiliaryClassifier("aux2", auxSize, classes), x));
        x = g.Add(x, LayersOf(b => b
            .Inception("inception4e", 256, 160, 320, 32, 128, 128).MaxPool2d(2, 2, ceilMode: true, name: "maxpool4")           // (N, 832, 7, 7)
            .Inception("inception5a", 256, 160, 320, 32, 128, 128)
            .Inception("inception5b", 384, 192, 384, 48, 128, 128)                                                              // (N, 1024, 7, 7)
            .GlobalAvgPool("avgpool").Dropout(0.2f, "dropout").Dense(classes, name: "fc")));                                    // (N, classes)
        return g.Build("googlenet", [x, .. heads]);
    }

    /// <summary>torchvision's <c>BasicConv2d</c> inline: <c>conv</c> (no bias), <c>bn</c> (eps 0.001), <c>relu</c>.</summary>
    private static NetworkBuilder BasicConv2d(this NetworkBuilder b, int outChannels, int kernelSize, int stride = 1, int padding = 0) =>
        b.ConvBn(outChannels, kernelSize, stride, padding, eps: 1e-3f, conv: "conv", bn: "bn").ReLU("relu");

    /// <summary>
    /// The inception module: four branches over the same input concatenated along channels,
    /// (N, C, H, W) -> (N, ch1x1 + ch3x3 + ch5x5 + poolProj, H, W). The 1x1 reductions before the larger kernels are what
    /// makes it affordable: 480 -> 48 channels by 5x5 on 14x14 costs 112.9 M multiplies, through 16 channels 5.3 M.
    /// </summary>
    private static NetworkBuilder Inception(this NetworkBuilder b, string name, int ch1x1, int ch3x3Reduce, int ch3x3, int ch5x5Reduce, int ch5x5,
        int poolProj) => b.Concat(name,
            branch1 => branch1.BasicConv2d(ch1x1, 1),
            branch2 => branch2.Block("0", c => c.BasicConv2d(ch3x3Reduce, 1)).Block("1", c => c.BasicConv2d(ch3x3, 3, padding: 1)),
            branch3 => branch3.Block("0", c => c.BasicConv2d(ch5x5Reduce, 1)).Block("1", c => c.BasicConv2d(ch5x5, 3, padding: 1)),
            branch4 => branch4.MaxPool2d(3, 1, padding: 1, ceilMode: true, name: "0").Block("1", c => c.BasicConv2d(poolProj, 1)));

    /// <summary>torchvision's <c>InceptionAux</c> over a mapSize x mapSize input: pool to 4x4, 1x1 to 128, dense 1024, ReLU, dropout 0.7, dense.</summary>
    private static Sequential AuxiliaryClassifier(string name, int mapSize, int classes) => new NetworkBuilder()
        .AdaptiveAvgPool2d(mapSize, 4, "avgpool")                        // (N, C, 4, 4) at 224
        .Block("conv", c => c.BasicConv2d(128, 1)).Flatten("flatten")     // (N, 2048)
        .Dense(1024, name: "fc1").ReLU("relu").Dropout(0.7f, "dropout")
        .Dense(classes, name: "fc2")
        .Build(name);
}
