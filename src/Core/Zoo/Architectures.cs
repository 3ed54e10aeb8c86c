using MlNetConv.Geometry;
using MlNetConv.Graphs;
using MlNetConv.Layers;

namespace MlNetConv.Zoo;

/// <summary>
/// The model zoo: functions that return unbuilt networks, one family per file (LeNet here, <see cref="AlexNet"/>,
/// <see cref="Vgg"/>, <see cref="GoogLeNet"/>, <see cref="ResNet"/>, <see cref="CifarResNet"/>), with torchvision's
/// parameter names where a torchvision model exists. Input channels and sizes are inferred when a network is built; the
/// arguments only choose what depends on them (padding for small inputs, the pooling before a classifier, the number of
/// classes). <c>ModelSummary.Of(Architectures.Vgg16(), new Shape(3, 224, 224))</c> counts parameters and
/// multiply-accumulates from shapes alone, without allocating weights.
/// </summary>
public static partial class Architectures
{
    /// <summary>
    /// LeNet-5 as in LeCun et al. 1998: C1 6@5x5, S2 trainable subsampling, C3 16@5x5 through the S2->C3 connection
    /// table, S4, C5 120@5x5, F6 84, all squashed by 1.7159 tanh(2x/3); a dense output layer stands in for the RBF units.
    /// On 32x32 inputs its summary is the paper's table; 28x28 inputs are zero-padded by 2 in C1.
    /// </summary>
    public static Sequential LeNet5Classic(int inputSize = 32, int classes = 10) => new NetworkBuilder()
        .Conv2d(6, 5, padding: Math.Max(0, (32 - inputSize) / 2), name: "C1")
        .Subsampling2d(2, name: "S2").ScaledTanh("S2_act")
        .Conv2d(16, 5, connections: ConnectionTable.LeNet5C3, name: "C3")
        .Subsampling2d(2, name: "S4").ScaledTanh("S4_act")
        .Conv2d(120, 5, name: "C5").ScaledTanh("C5_act")
        .Flatten("flatten")
        .Dense(84, name: "F6").ScaledTanh("F6_act")
        .Dense(classes, name: "output")
        .Build("lenet5_classic");

    /// <summary>LeNet-5 as taught today: ReLU, 2x2 max pooling, dense layers 120-84-classes (28x28 inputs padded by 2).</summary>
    public static Sequential LeNet5(int inputSize = 28, int classes = 10) => new NetworkBuilder()
        .Conv2d(6, 5, padding: Math.Max(0, (32 - inputSize) / 2), name: "conv1").ReLU("relu1").MaxPool2d(2, name: "pool1")
        .Conv2d(16, 5, name: "conv2").ReLU("relu2").MaxPool2d(2, name: "pool2")
        .Flatten("flatten")
        .Dense(120, name: "fc1").ReLU("relu3")
        .Dense(84, name: "fc2").ReLU("relu4")
        .Dense(classes, name: "fc3")
        .Build("lenet5");

    /// <summary>A copy of an unbuilt or built architecture (its configuration, not its weights), ready to be built again.</summary>
    public static ILayer Clone(ILayer architecture) => LayerRegistry.ReadLayer(LayerRegistry.ToJson(architecture));
}
