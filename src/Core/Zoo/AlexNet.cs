using MlNetConv.Graphs;

namespace MlNetConv.Zoo;

/// <summary>AlexNet (Krizhevsky, Sutskever and Hinton 2012, "ImageNet Classification with Deep Convolutional Neural Networks").</summary>
public static partial class Architectures
{
    /// <summary>
    /// The paper's AlexNet: conv1 96@11x11/4, ReLU, local response normalisation (k = 2, n = 5, α = 1e-4, β = 0.75),
    /// overlapping 3x3/2 max pooling; conv2 256@5x5 pad 2, ReLU, LRN, pool; conv3 384@3x3, conv4 384@3x3, conv5 256@3x3
    /// (pad 1, ReLU), pool; fc6 4096 and fc7 4096 with ReLU and dropout 0.5; fc8. With <paramref name="twoGpus"/> the
    /// layers that stayed on one GPU of the paper's two (conv2, conv4, conv5) are convolutions with groups: 2, giving
    /// 60,965,224 parameters for 1000 classes (62,378,344 as one column). Names are those of Caffe's bvlc_alexnet
    /// (conv1 … conv5, norm1, pool1, fc6 … fc8). Feed it 227x227 crops: that is what makes the paper's 55x55 maps
    /// (its "224" is a known slip) and 6x6x256 = 9216 inputs for fc6; other sizes from 67x67 work, with fc6 sized
    /// by the last map.
    /// </summary>
    public static Sequential AlexNetClassic(int classes = 1000, bool twoGpus = true)
    {
        int groups = twoGpus ? 2 : 1;
        return new NetworkBuilder()
            .Conv2d(96, 11, stride: 4, name: "conv1").ReLU("relu1").LocalResponseNorm(name: "norm1").MaxPool2d(3, 2, name: "pool1")   // (N, 96, 27, 27)
            .Conv2d(256, 5, padding: 2, groups: groups, name: "conv2").ReLU("relu2").LocalResponseNorm(name: "norm2")
            .MaxPool2d(3, 2, name: "pool2")                                                                                       // (N, 256, 13, 13)
            .Conv2d(384, 3, padding: 1, name: "conv3").ReLU("relu3")
            .Conv2d(384, 3, padding: 1, groups: groups, name: "conv4").ReLU("relu4")
            .Conv2d(256, 3, padding: 1, groups: groups, name: "conv5").ReLU("relu5").MaxPool2d(3, 2, name: "pool5")              // (N, 256, 6, 6)
            .Flatten("flatten")
            .Dense(4096, name: "fc6").ReLU("relu6").Dropout(0.5f, "drop6")
            .Dense(4096, name: "fc7").ReLU("relu7").Dropout(0.5f, "drop7")
            .Dense(classes, name: "fc8")
            .Build("alexnet_classic");
    }

    /// <summary>
    /// torchvision's AlexNet, the single-column variant of "One weird trick for parallelizing convolutional neural
    /// networks" (Krizhevsky 2014): <c>features</c> 64@11x11/4 pad 2, 192@5x5, 384, 256, 256@3x3 with ReLU and 3x3/2
    /// max pools, no LRN; <c>avgpool</c> to 6x6; <c>classifier</c> dropout 0.5, dense 4096, ReLU, dropout, dense 4096,
    /// ReLU, dense classes. 61,100,840 parameters on 3x224x224 with 1000 classes; names as torchvision's
    /// (<c>features.0.weight</c>, <c>classifier.1.weight</c>).
    /// <para>
    /// torchvision pools adaptively to 6x6 so that any input feeds the same classifier. This engine's pooling has one
    /// window for the whole map, so the size of the features' map f (6 at 224, known from <paramref name="inputSize"/>)
    /// decides: f = 6 needs no pooling at all, a larger f is average-pooled with stride ⌊f/6⌋ and kernel f - 5·⌊f/6⌋ (exactly
    /// adaptive pooling when f is a multiple of 6), and a smaller f (inputs below 223) is flattened as it is, so the
    /// classifier takes 256·f·f features where torchvision would repeat values to fill 6x6. The smallest input is 63x63.
    /// </para>
    /// </summary>
    public static Sequential AlexNet(int inputSize = 224, int classes = 1000)
    {
        static void Features(NetworkBuilder f) => f        // (N, C, 224, 224) -> (N, 256, 6, 6)
            .Conv2d(64, 11, stride: 4, padding: 2).ReLU().MaxPool2d(3, 2)
            .Conv2d(192, 5, padding: 2).ReLU().MaxPool2d(3, 2)
            .Conv2d(384, 3, padding: 1).ReLU()
            .Conv2d(256, 3, padding: 1).ReLU()
            .Conv2d(256, 3, padding: 1).ReLU().MaxPool2d(3, 2);
        return new NetworkBuilder()
            .Block("features", Features)
            .AdaptiveAvgPool2d(OutputSizeOf(Features, inputSize), 6, "avgpool")
            .Flatten("flatten")
            .Block("classifier", c => c.Dropout(0.5f).Dense(4096).ReLU().Dropout(0.5f).Dense(4096).ReLU().Dense(classes))
            .Build("alexnet");
    }
}
