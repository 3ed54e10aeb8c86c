using MlNetConv.Geometry;
using MlNetConv.Layers;

namespace MlNetConv.Graphs;

/// <summary>
/// The fluent way to write a network: <c>new NetworkBuilder().Conv2d(6, 5).Tanh().AvgPool2d(2)….Build()</c>.
/// Input sizes are never typed: every layer infers them when the network is built for an input shape.
/// Branching blocks (Residual, Concat) become graphs used as layers.
/// </summary>
public sealed class NetworkBuilder
{
    private readonly List<ILayer> _layers = [];

    public NetworkBuilder Add(ILayer layer)
    {
        _layers.Add(layer);
        return this;
    }

    // Kernel, stride and dilation: an int for every axis or one per axis ((1, 7)); padding: an int, one per axis, begin and
    // end apart (Padding.Explicit(begin, end), Padding.FromPads) or same. As the layers' constructors take them.
    public NetworkBuilder Conv1d(int outChannels, Size kernelSize, Size? stride = null, Padding? padding = null, Size? dilation = null, int groups = 1,
        bool bias = true, ConnectionTable? connections = null, string? name = null) =>
        Add(new Layers.Conv1d(outChannels, kernelSize, stride, padding, dilation, groups, bias, connections, name));

    public NetworkBuilder Conv2d(int outChannels, Size kernelSize, Size? stride = null, Padding? padding = null, Size? dilation = null, int groups = 1,
        bool bias = true, ConnectionTable? connections = null, string? name = null) =>
        Add(new Layers.Conv2d(outChannels, kernelSize, stride, padding, dilation, groups, bias, connections, name));

    public NetworkBuilder Conv3d(int outChannels, Size kernelSize, Size? stride = null, Padding? padding = null, Size? dilation = null, int groups = 1,
        bool bias = true, ConnectionTable? connections = null, string? name = null) =>
        Add(new Layers.Conv3d(outChannels, kernelSize, stride, padding, dilation, groups, bias, connections, name));

    public NetworkBuilder Dense(int outFeatures, bool bias = true, string? name = null) => Add(new Layers.Dense(outFeatures, bias, name));

    public NetworkBuilder ConvTranspose1d(int outChannels, Size kernelSize, Size? stride = null, Padding? padding = null, Size? outputPadding = null,
        Size? dilation = null, int groups = 1, bool bias = true, string? name = null) =>
        Add(new Layers.ConvTranspose1d(outChannels, kernelSize, stride, padding, outputPadding, dilation, groups, bias, name));

    public NetworkBuilder ConvTranspose2d(int outChannels, Size kernelSize, Size? stride = null, Padding? padding = null, Size? outputPadding = null,
        Size? dilation = null, int groups = 1, bool bias = true, string? name = null) =>
        Add(new Layers.ConvTranspose2d(outChannels, kernelSize, stride, padding, outputPadding, dilation, groups, bias, name));

    public NetworkBuilder ConvTranspose3d(int outChannels, Size kernelSize, Size? stride = null, Padding? padding = null, Size? outputPadding = null,
        Size? dilation = null, int groups = 1, bool bias = true, string? name = null) =>
        Add(new Layers.ConvTranspose3d(outChannels, kernelSize, stride, padding, outputPadding, dilation, groups, bias, name));

    public NetworkBuilder LocallyConnected2d(int outChannels, Size kernelSize, Size? stride = null, Padding? padding = null, Size? dilation = null,
        bool bias = true, string? name = null) => Add(new Layers.LocallyConnected2d(outChannels, kernelSize, stride, padding, dilation, bias, name));

    public NetworkBuilder Flatten(string? name = null) => Add(new Layers.Flatten(name));
    public NetworkBuilder ReLU(string? name = null) => Add(new Layers.ReLU(name));
    public NetworkBuilder LeakyReLU(float negativeSlope = 0.01f, string? name = null) => Add(new Layers.LeakyReLU(negativeSlope, name));
    public NetworkBuilder Tanh(string? name = null) => Add(new Layers.Tanh(name));
    public NetworkBuilder ScaledTanh(string? name = null) => Add(new Layers.ScaledTanh(name));
    public NetworkBuilder Sigmoid(string? name = null) => Add(new Layers.Sigmoid(name));

    public NetworkBuilder MaxPool1d(Size kernelSize, Size? stride = null, Padding? padding = null, Size? dilation = null, bool ceilMode = false,
        string? name = null) => Add(new Layers.MaxPool1d(kernelSize, stride, padding, dilation, ceilMode, name));
    public NetworkBuilder MaxPool2d(Size kernelSize, Size? stride = null, Padding? padding = null, Size? dilation = null, bool ceilMode = false,
        string? name = null) => Add(new Layers.MaxPool2d(kernelSize, stride, padding, dilation, ceilMode, name));
    public NetworkBuilder MaxPool3d(Size kernelSize, Size? stride = null, Padding? padding = null, Size? dilation = null, bool ceilMode = false,
        string? name = null) => Add(new Layers.MaxPool3d(kernelSize, stride, padding, dilation, ceilMode, name));
    public NetworkBuilder AvgPool1d(Size kernelSize, Size? stride = null, Padding? padding = null, bool ceilMode = false, bool countIncludePad = true,
        string? name = null) => Add(new Layers.AvgPool1d(kernelSize, stride, padding, ceilMode, countIncludePad, name));
    public NetworkBuilder AvgPool2d(Size kernelSize, Size? stride = null, Padding? padding = null, bool ceilMode = false, bool countIncludePad = true,
        string? name = null) => Add(new Layers.AvgPool2d(kernelSize, stride, padding, ceilMode, countIncludePad, name));
    public NetworkBuilder AvgPool3d(Size kernelSize, Size? stride = null, Padding? padding = null, bool ceilMode = false, bool countIncludePad = true,
        string? name = null) => Add(new Layers.AvgPool3d(kernelSize, stride, padding, ceilMode, countIncludePad, name));

    /// <summary>Max unpooling with the indices of the max-pooling layer at dotted path <paramref name="pooling"/> (see <see cref="ILayerLink"/>).</summary>
    public NetworkBuilder MaxUnpool1d(string pooling, string? name = null) => Add(new Layers.MaxUnpool1d(pooling, name));
    public NetworkBuilder MaxUnpool2d(string pooling, string? name = null) => Add(new Layers.MaxUnpool2d(pooling, name));
    public NetworkBuilder MaxUnpool3d(string pooling, string? name = null) => Add(new Layers.MaxUnpool3d(pooling, name));
    public NetworkBuilder LPPool1d(float normType, Size kernelSize, Size? stride = null, bool ceilMode = false, Padding? padding = null,
        Size? dilation = null, string? name = null) => Add(new Layers.LPPool1d(normType, kernelSize, stride, ceilMode, padding, dilation, name));
    public NetworkBuilder LPPool2d(float normType, Size kernelSize, Size? stride = null, bool ceilMode = false, Padding? padding = null,
        Size? dilation = null, string? name = null) => Add(new Layers.LPPool2d(normType, kernelSize, stride, ceilMode, padding, dilation, name));
    public NetworkBuilder LPPool3d(float normType, Size kernelSize, Size? stride = null, bool ceilMode = false, Padding? padding = null,
        Size? dilation = null, string? name = null) => Add(new Layers.LPPool3d(normType, kernelSize, stride, ceilMode, padding, dilation, name));
    public NetworkBuilder Maxout(int poolSize, string? name = null) => Add(new Layers.Maxout(poolSize, name));
    public NetworkBuilder Upsample(double scaleFactor, UpsampleMode mode = UpsampleMode.Nearest, bool alignCorners = false, string? name = null) =>
        Add(new Layers.Upsample(scaleFactor, mode, alignCorners, name));
    public NetworkBuilder Upsample(int[] size, UpsampleMode mode = UpsampleMode.Nearest, bool alignCorners = false, string? name = null) =>
        Add(new Layers.Upsample(size, mode, alignCorners, name));
    public NetworkBuilder ZeroPad2d(int padding, string? name = null) => Add(new Layers.ZeroPad2d(padding, name));
    public NetworkBuilder ZeroPad2d(int left, int right, int top, int bottom, string? name = null) => Add(new Layers.ZeroPad2d(left, right, top, bottom, name));

    public NetworkBuilder GlobalAvgPool(string? name = null) => Add(new Layers.GlobalAvgPool(name));
    public NetworkBuilder GlobalMaxPool(string? name = null) => Add(new Layers.GlobalMaxPool(name));
    public NetworkBuilder Subsampling2d(int kernelSize = 2, string? name = null) => Add(new Layers.Subsampling2d(kernelSize, name));

    public NetworkBuilder Dropout(float p = 0.5f, string? name = null) => Add(new Layers.Dropout(p, name));
    public NetworkBuilder Dropout2d(float p = 0.5f, string? name = null) => Add(new Layers.Dropout2d(p, name));
    public NetworkBuilder LocalResponseNorm(int size = 5, float alpha = 1e-4f, float beta = 0.75f, float k = 2f, string? name = null) =>
        Add(new Layers.LocalResponseNorm(size, alpha, beta, k, false, name));
    public NetworkBuilder BatchNorm1d(float momentum = 0.1f, float eps = 1e-5f, string? name = null) => Add(new Layers.BatchNorm1d(momentum, eps, name));
    public NetworkBuilder BatchNorm2d(float momentum = 0.1f, float eps = 1e-5f, string? name = null) => Add(new Layers.BatchNorm2d(momentum, eps, name));
    public NetworkBuilder BatchNorm3d(float momentum = 0.1f, float eps = 1e-5f, string? name = null) => Add(new Layers.BatchNorm3d(momentum, eps, name));

    /// <summary>A nested chain with its own name (torchvision's <c>layer1</c>, <c>features</c>).</summary>
    public NetworkBuilder Block(string name, Action<NetworkBuilder> body) => Add(Chain(body, name));

    /// <summary>
    /// A residual block y = main(x) + shortcut(x); the shortcut is the identity unless given (a 1x1 projection when
    /// the shape changes). Add the activation after it, as in ResNet.
    /// </summary>
    public NetworkBuilder Residual(Action<NetworkBuilder> main, Action<NetworkBuilder>? shortcut = null, string? name = null)
    {
        var g = new GraphBuilder();
        var mainEnd = g.Add(g.Input, Chain(main, "main"));
        var skip = shortcut is null ? g.Input : g.Add(g.Input, Chain(shortcut, "shortcut"));
        var sum = g.Merge(new Layers.Add("add"), mainEnd, skip);
        return Add(g.Build(name, sum));
    }

    /// <summary>Parallel branches over the same input, concatenated along channels: the inception module.</summary>
    public NetworkBuilder Concat(string? name, params Action<NetworkBuilder>[] branches)
    {
        if (branches.Length == 0) throw new ArgumentException("Concat needs at least one branch.", nameof(branches));
        var g = new GraphBuilder();
        var ends = branches.Select((b, i) => g.Add(g.Input, Chain(b, $"branch{i + 1}"))).ToArray();
        var cat = g.Merge(new Layers.Concat("concat"), ends);
        return Add(g.Build(name, cat));
    }

    public NetworkBuilder Concat(params Action<NetworkBuilder>[] branches) => Concat(null, branches);

    /// <summary>The network as an unbuilt chain; build it with <see cref="Network"/>.</summary>
    public Sequential Build(string? name = null)
    {
        if (_layers.Count == 0) throw new InvalidOperationException("The network has no layers.");
        return new Sequential(_layers, name);
    }

    private static Sequential Chain(Action<NetworkBuilder> body, string name)
    {
        var b = new NetworkBuilder();
        body(b);
        return b.Build(name);
    }
}
