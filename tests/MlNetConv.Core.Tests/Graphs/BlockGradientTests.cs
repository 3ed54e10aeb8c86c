using MlNetConv.Backends.Cpu;
using MlNetConv.Graphs;
using MlNetConv.Layers;
using MlNetConv.Tensors;
using MlNetConv.Tests.Support;

namespace MlNetConv.Tests.Graphs;

/// <summary>
/// Gradient checks through fan-out and concatenation: residual blocks (identity and projection shortcuts), an
/// inception block, a graph with two outputs and whole networks.
/// </summary>
public sealed class BlockGradientTests
{
    /// <summary>
    /// A ReLU after a batch norm sees values near 0 whatever the input, and a weight of the convolution before it
    /// moves a whole channel: with random γ and β some stencil always straddles the kink. γ in [0.25, 0.5] and β = ±2
    /// keep every channel entirely on or entirely off (|x̂| stays below 4), so the ReLU passes or blocks whole
    /// channels and has no kink inside any stencil. Convolutions at their initial scale (see
    /// <see cref="GradientCheckOptions.InitialScale"/>).
    /// </summary>
    private static readonly GradientCheckOptions ChannelsOnOrOff = new()
    {
        Parameters = (layer, p) => layer is not BatchNorm bn ? GradientCheckOptions.InitialScale(layer, p)
            : p == bn.Weight ? Values.Uniform(0.25, 0.5)
            : p == bn.BiasParameter ? Values.AwayFromZero(2, 2)
            : null,
    };

    /// <summary>Convolutions at their initial scale, keeping float32 rounding in the loss of deeper blocks small.</summary>
    private static readonly GradientCheckOptions InitialScale = new() { Parameters = GradientCheckOptions.InitialScale };

    /// <summary>The inception block max-pools its input: distinct inputs keep each window's maximum in place.</summary>
    private static readonly GradientCheckOptions DistinctInputs = GradientCheckOptions.DistinctInputs with { Parameters = GradientCheckOptions.InitialScale };

    // Blocks over (N, C, H, W).
    private static readonly LayerCases Cases = new(
        // y = conv(relu(bn(conv(x)))) + x: weights 2 · (4·4·9 + 4) + bn 2·4, buffers 2·4.
        new("residual_identity", () => new NetworkBuilder()
                .Residual(m => m.Conv2d(4, 3, padding: 1).BatchNorm2d().ReLU().Conv2d(4, 3, padding: 1))
                .Build(),
            new Shape(2, 4, 5, 5), new Shape(2, 4, 5, 5), 2 * (4 * 4 * 9 + 4) + 2 * 4, 2 * 4, ChannelsOnOrOff),
        // The main path halves the size and widens to 6 channels; the shortcut is a 1x1 stride-2 projection.
        new("residual_projection", () => new NetworkBuilder()
                .Residual(
                    m => m.Conv2d(6, 3, stride: 2, padding: 1).BatchNorm2d().ReLU().Conv2d(6, 3, padding: 1),
                    s => s.Conv2d(6, 1, stride: 2))
                .Build(),
            new Shape(2, 4, 6, 6), new Shape(2, 6, 3, 3), (6 * 4 * 9 + 6) + 2 * 6 + (6 * 6 * 9 + 6) + (6 * 4 + 6), 2 * 6, ChannelsOnOrOff),
        // Without the ReLU: every weight of the main path reaches the output.
        new("residual_projection_linear", () => new NetworkBuilder()
                .Residual(m => m.Conv2d(3, 3, stride: 2, padding: 1).BatchNorm2d().Conv2d(3, 3, padding: 1), s => s.Conv2d(3, 1, stride: 2))
                .Build(),
            new Shape(2, 2, 5, 5), new Shape(2, 3, 3, 3), (3 * 2 * 9 + 3) + 2 * 3 + (3 * 3 * 9 + 3) + (3 * 2 + 3), 2 * 3, InitialScale),
        // Branches 1x1 (2), 1x1 -> 3x3 (3), 1x1 -> 5x5 (2), 3x3/1 max pool -> 1x1 (2): 9 channels.
        new("inception", () => Inception(),
            new Shape(2, 4, 5, 5), new Shape(2, 9, 5, 5), (4 * 2 + 2) + (4 * 2 + 2) + (3 * 2 * 9 + 3) + (4 + 1) + (2 * 25 + 2) + (4 * 2 + 2), 0,
            DistinctInputs),
        // Node a fans out to two heads, both outputs of the graph.
        new("two_outputs", () => TwoOutputs(outputA: false), new Shape(2, 2, 4, 4), new Shape(2, 3, 4, 4), (3 * 2 * 9 + 3) + (2 * 3 + 2), Options: InitialScale),
        // Node a is an output and also feeds the second head: its gradient is r_a plus what the head sends back.
        new("output_also_consumed", () => TwoOutputs(outputA: true), new Shape(2, 2, 4, 4), new Shape(2, 3, 4, 4), (3 * 2 * 9 + 3) + (2 * 3 + 2), Options: InitialScale));

    public static TheoryData<string> Names => Cases.Names;

    [Theory, MemberData(nameof(Names))]
    public void GradientsMatchFiniteDifferences(string name) => Cases[name].AssertGradients();

    [Theory, MemberData(nameof(Names))]
    public void ShapesAndParameters(string name) => Cases[name].AssertShapes();

    [Fact]
    public void TwoOutputs_BothShapes()
    {
        var graph = TwoOutputs(outputA: false);
        graph.Build(new CpuBackend(), new Shape(2, 2, 4, 4));

        Assert.Equal([new Shape(2, 3, 4, 4), new Shape(2, 2)], graph.OutputShapes);
    }

    [Fact]
    public void Network_ChecksEveryParameterOfNestedBlocks()
    {
        // LeNet-like head on an inception block, with dropout in training: sample (4, 6, 6).
        var root = new NetworkBuilder()
            .Add(Inception())
            .AvgPool2d(2)
            .Flatten()
            .Dropout(0.25f)
            .Dense(5)
            .Build();
        using var network = new Network(root, new Shape(4, 6, 6), new CpuBackend());

        var report = GradientCheck.Network(network, batch: 2, DistinctInputs);

        report.AssertPassed();
        Assert.Equal(network.TrainableParameters.Count, report.Tensors.Count);
    }

    [Fact]
    public void Network_TwoOutputs()
    {
        using var network = new Network(TwoOutputs(outputA: true), new Shape(2, 4, 4), new CpuBackend());

        var report = GradientCheck.Network(network, batch: 3, InitialScale);

        report.AssertPassed();
        Assert.Equal(network.TrainableParameters.Count, report.Tensors.Count);
    }

    /// <summary>GoogLeNet's module in miniature (without its ReLUs, whose kinks no input choice keeps out of the stencils).</summary>
    private static Sequential Inception() => new NetworkBuilder().Concat("inception",
        b => b.Conv2d(2, 1),
        b => b.Conv2d(2, 1).Conv2d(3, 3, padding: 1),
        b => b.Conv2d(1, 1).Conv2d(2, 5, padding: 2),
        b => b.MaxPool2d(3, 1, padding: 1).Conv2d(2, 1)).Build();

    /// <summary>
    /// a = conv3x3(x) with 3 maps; head 1 = tanh(a) (or a itself), head 2 = global average of conv1x1(a) with 2 maps.
    /// Outputs (N, 3, H, W) and (N, 2).
    /// </summary>
    private static Graph TwoOutputs(bool outputA)
    {
        var g = new GraphBuilder();
        var a = g.Add(new Conv2d(3, 3, padding: 1), g.Input);
        var head1 = outputA ? a : g.Add(new Tanh(), a);
        var head2 = g.Add(a, new Conv2d(2, 1), new GlobalAvgPool());
        return g.Build(head1, head2);
    }
}
