using MlNetConv.Backends.Meta;
using MlNetConv.Graphs;
using MlNetConv.Layers;
using MlNetConv.Tensors;

namespace MlNetConv.Zoo;

/// <summary>Building blocks the zoo's families share.</summary>
public static partial class Architectures
{
    /// <summary>
    /// Convolution then batch normalisation, named <paramref name="conv"/> and <paramref name="bn"/> (unnamed layers take
    /// their position in the chain). The convolution has no bias by default: the normalisation's β replaces it.
    /// </summary>
    private static NetworkBuilder ConvBn(this NetworkBuilder b, int outChannels, int kernelSize, int stride = 1, int padding = 0,
        float eps = 1e-5f, string? conv = null, string? bn = null) =>
        b.Conv2d(outChannels, kernelSize, stride, padding, bias: false, name: conv).BatchNorm2d(eps: eps, name: bn);

    /// <summary>
    /// Stands in for torchvision's <c>AdaptiveAvgPool2d((outputSize, outputSize))</c> over a square map of known
    /// <paramref name="inputSize"/>: one uniform window with stride s = ⌊in / out⌋ and kernel in - (out - 1)·s gives exactly
    /// out x out. That is adaptive pooling itself when the map is a multiple of the output (no layer at all when they are
    /// equal, as for 224x224 images), and the GoogLeNet paper's 5x5/3 for 14 -> 4. A map smaller than the output is left as
    /// it is (torchvision would repeat its values): the dense layer after it then takes C·in·in features.
    /// </summary>
    private static NetworkBuilder AdaptiveAvgPool2d(this NetworkBuilder b, int inputSize, int outputSize, string name)
    {
        if (inputSize <= outputSize) return b;
        int stride = inputSize / outputSize;
        return b.AvgPool2d(inputSize - (outputSize - 1) * stride, stride, name: name);
    }

    /// <summary>
    /// The spatial extent a chain gives a square image of <paramref name="inputSize"/>, inferred from shapes alone: a fresh
    /// copy of the chain is built on the <see cref="MetaBackend"/>, so nothing is allocated and no formula is repeated here.
    /// </summary>
    private static int OutputSizeOf(Action<NetworkBuilder> chain, int inputSize)
    {
        var b = new NetworkBuilder();
        chain(b);
        // (N, C, H, W): the channel count does not change the extents of these chains.
        return b.Build().Build(MetaBackend.Default, new Shape(1, 3, inputSize, inputSize))[2];
    }

    /// <summary>
    /// The layers a builder body adds, ready to be placed in a graph. The body names them: the intermediate chain would
    /// name unnamed layers by position, where a graph node expects its own name.
    /// </summary>
    private static ILayer[] LayersOf(Action<NetworkBuilder> body)
    {
        var b = new NetworkBuilder();
        body(b);
        return [.. b.Build().Layers];
    }
}
