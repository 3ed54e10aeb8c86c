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
    /// Settings for the residual blocks. The batch statistics make every output depend on every element, so each
    /// difference of the loss carries the float32 rounding of all outputs, which the stencil multiplies by 1.5/h:
    /// <list type="bullet">
    /// <item>conv2 and the projection start at their initial scale, which keeps the outputs of order one; conv1 keeps
    /// weights of order one (bn1 undoes their scale), so that the step stays small against them;</item>
    /// <item>the step is 1/16, half the default, which halves the rounding's share while the truncation error stays
    /// far below the tolerance;</item>
    /// <item>ReLU's kink: a weight of conv1 moves a whole channel of bn1's output, so with random γ and β some stencil
    /// always straddles 0. γ in [0.1, 0.2] and β = ±1 put every channel entirely above or entirely below 0, since
    /// |x̂| ≤ sqrt(n - 1) &lt; 4.2 for the n = 18 values per channel here: the ReLU passes or blocks whole channels
    /// and no stencil meets its kink.</item>
    /// </list>
    /// </summary>
    private static readonly GradientCheckOptions ResidualBlock = new()
    {
        Step = 1.0 / 16,
        Input = Values.Uniform(-0.5, 0.5),
        Parameters = (layer, p) => layer is BatchNorm bn
            ? (p == bn.Weight ? Values.Uniform(0.1, 0.2) : p == bn.BiasParameter ? Values.AwayFromZero(1, 1) : null)
            : layer.Name is "conv2" or "projection" ? GradientCheckOptions.InitialScale(layer, p) : null,
    };

    /// <summary>Convolutions at their initial scale, keeping float32 rounding in the loss of deeper blocks small.</summary>
    private static readonly GradientCheckOptions InitialScale = new() { Parameters = GradientCheckOptions.InitialScale };

    /// <summary>The inception block max-pools its input: distinct inputs keep each window's maximum in place.</summary>
    private static readonly GradientCheckOptions DistinctInputs = GradientCheckOptions.DistinctInputs with { Parameters = GradientCheckOptions.InitialScale };

    // Blocks over (N, C, H, W).
    private static readonly LayerCases Cases = new(
        // y = conv2(relu(bn1(conv1(x)))) + x: weights 2 · (4·4·9 + 4) + bn 2·4, buffers 2·4.
        new("residual_identity", () => Residual(4), new Shape(2, 4, 3, 3), new Shape(2, 4, 3, 3), 2 * (4 * 4 * 9 + 4) + 2 * 4, 2 * 4, ResidualBlock),
        // The main path halves the size and widens to 6 channels; the shortcut is a 1x1 stride-2 projection.
        new("residual_projection", () => Residual(6, stride: 2, projection: true), new Shape(2, 4, 5, 5), new Shape(2, 6, 3, 3),
            (6 * 4 * 9 + 6) + 2 * 6 + (6 * 6 * 9 + 6) + (6 * 4 + 6), 2 * 6, ResidualBlock),
        // Without the ReLU the gradient of every weight of the main path reaches the output.
        new("residual_projection_no_relu", () => Residual(3, stride: 2, projection: true, relu: false), new Shape(2, 2, 5, 5), new Shape(2, 3, 3, 3),
            (3 * 2 * 9 + 3) + 2 * 3 + (3 * 3 * 9 + 3) + (3 * 2 + 3), 2 * 3, ResidualBlock),
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
    public void TwoOutputs_NullGradient_MeansThatOutputDoesNotFeedTheLoss()
    {
        var backend = new CpuBackend();
        var graph = TwoOutputs(outputA: false);
        var input = new Shape(2, 2, 4, 4);
        graph.Build(backend, input);
        // x: (2, 2, 4, 4); r: (2, 3, 4, 4) for the first head, zeros (2, 2) for the second.
        using var x = backend.Allocate(input);
        x.CopyFrom(Values.Uniform()(input, new RandomStream(1)));
        using var r = backend.Allocate(graph.OutputShapes[0]);
        r.CopyFrom(Values.Uniform()(r.Shape, new RandomStream(2)));
        using var zeros = backend.Allocate(graph.OutputShapes[1]);

        graph.ForwardAll(x, training: true);
        var withZeros = graph.BackwardAll([r, zeros])!.ToArray();
        graph.ForwardAll(x, training: true);
        var withNull = graph.BackwardAll([r, null])!.ToArray();

        Assert.Equal(withZeros, withNull);
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

    /// <summary>
    /// torchvision's BasicBlock without its final ReLU: conv1 (3x3, stride) -> bn1 -> relu -> conv2 (3x3), plus the
    /// identity or a 1x1 projection with the same stride.
    /// </summary>
    private static Sequential Residual(int channels, int stride = 1, bool projection = false, bool relu = true) => new NetworkBuilder()
        .Residual(
            m =>
            {
                m.Conv2d(channels, 3, stride, padding: 1, name: "conv1").BatchNorm2d(name: "bn1");
                if (relu) m.ReLU(name: "relu");
                m.Conv2d(channels, 3, padding: 1, name: "conv2");
            },
            projection ? s => s.Conv2d(channels, 1, stride, name: "projection") : null)
        .Build();

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
