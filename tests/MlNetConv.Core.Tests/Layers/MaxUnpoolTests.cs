using MlNetConv.Backends.Cpu;
using MlNetConv.Graphs;
using MlNetConv.Layers;
using MlNetConv.Tensors;
using MlNetConv.Tests.Support;

namespace MlNetConv.Tests.Layers;

/// <summary>
/// MaxUnpool1d/2d/3d: values land exactly at the pooled indices and nowhere else, backward gathers from them, gradients
/// through pooling and unpooling match finite differences, and the link to the pooling layer resolves by dotted name.
/// </summary>
public sealed class MaxUnpoolTests
{
    /// <summary>Distinct inputs keep every window's maximum in place within the stencil; a 1x1 convolution between keeps parameters in play.</summary>
    private static readonly GradientCheckOptions DistinctInputs = GradientCheckOptions.DistinctInputs;

    // Graphs x -> max pool "pool" -> (1x1 convolution) -> unpool("pool"): output shaped like x.
    private static readonly LayerCases Cases = new(
        new("1d_2", () => PoolUnpool(new MaxPool1d(2, name: "pool"), new Conv1d(2, 1), new MaxUnpool1d("pool")),
            new Shape(2, 2, 8), new Shape(2, 2, 8), 2 * 2 + 2, Options: DistinctInputs),
        new("2d_2x2", () => PoolUnpool(new MaxPool2d(2, name: "pool"), new Conv2d(3, 1), new MaxUnpool2d("pool")),
            new Shape(2, 3, 4, 6), new Shape(2, 3, 4, 6), 3 * 3 + 3, Options: DistinctInputs),
        // Odd input: the last row and column belong to no window and stay zero.
        new("2d_2x2_odd", () => PoolUnpool(new MaxPool2d(2, name: "pool"), null, new MaxUnpool2d("pool")),
            new Shape(2, 2, 5, 5), new Shape(2, 2, 5, 5), Options: DistinctInputs),
        // Overlapping windows may choose one position twice: the values add there.
        new("2d_3x3_stride2_overlapping", () => PoolUnpool(new MaxPool2d(3, 2, name: "pool"), new Conv2d(2, 1), new MaxUnpool2d("pool")),
            new Shape(2, 2, 7, 7), new Shape(2, 2, 7, 7), 2 * 2 + 2, Options: DistinctInputs),
        new("3d_2", () => PoolUnpool(new MaxPool3d(2, name: "pool"), new Conv3d(2, 1), new MaxUnpool3d("pool")),
            new Shape(1, 2, 4, 4, 4), new Shape(1, 2, 4, 4, 4), 2 * 2 + 2, Options: DistinctInputs));

    public static TheoryData<string> Names => Cases.Names;

    [Theory, MemberData(nameof(Names))]
    public void GradientsMatchFiniteDifferences(string name) => Cases[name].AssertGradients();

    [Theory, MemberData(nameof(Names))]
    public void ShapesAndParameters(string name) => Cases[name].AssertShapes();

    [Fact]
    public void Forward_PlacesEachMaximumAtItsIndexAndZerosElsewhere()
    {
        var backend = new CpuBackend();
        var graph = PoolUnpool(new MaxPool2d(2, name: "pool"), null, new MaxUnpool2d("pool"));
        // x: (2, 3, 4, 6), distinct values per map
        var shape = new Shape(2, 3, 4, 6);
        graph.Build(backend, shape);
        var values = Values.Distinct(0.25)(shape, new RandomStream(4));
        using var x = backend.Allocate(shape);
        x.CopyFrom(values);

        var y = graph.Forward(x, training: false).ToArray();

        for (int map = 0; map < 6; map++)
            for (int h = 0; h < 4; h++)
                for (int w = 0; w < 6; w++)
                {
                    int at = map * 24 + h * 6 + w;
                    bool isWindowMax = WindowValues(values, map, h / 2, w / 2).Max() == values[at];
                    Assert.Equal(isWindowMax ? values[at] : 0f, y[at]);
                }
        var indices = new int[2 * 3 * 2 * 3];
        backend.DownloadIndices(((Pooling)graph.Nodes[0].Layer!).Indices!, indices);
        Assert.All(indices.Select((flat, o) => (flat, o)), p => Assert.Equal(values[p.o / 6 * 24 + p.flat], y[p.o / 6 * 24 + p.flat]));
    }

    [Fact]
    public void Backward_GathersTheGradientAtThePooledIndices()
    {
        var backend = new CpuBackend();
        var pool = new MaxPool2d(2, name: "pool");
        var unpool = new MaxUnpool2d("pool", "unpool");
        var graph = new Sequential(pool, unpool);
        // x: (1, 2, 4, 4) -> pooled (1, 2, 2, 2) -> unpooled (1, 2, 4, 4)
        var shape = new Shape(1, 2, 4, 4);
        graph.Build(backend, shape);
        var values = Values.Distinct(0.25)(shape, new RandomStream(5));
        using var x = backend.Allocate(shape);
        x.CopyFrom(values);
        var pooled = pool.Forward(x, training: true);
        unpool.Forward(pooled, training: true);
        using var dy = backend.Allocate(shape);
        var outputGrad = Enumerable.Range(0, 32).Select(i => (float)(i + 1)).ToArray();
        dy.CopyFrom(outputGrad);

        var inputGrad = unpool.Backward(dy)!.ToArray();

        for (int map = 0; map < 2; map++)
            for (int ph = 0; ph < 2; ph++)
                for (int pw = 0; pw < 2; pw++)
                {
                    int argmax = Enumerable.Range(0, 4).Select(t => (map * 16 + (2 * ph + t / 2) * 4 + 2 * pw + t % 2)).MaxBy(i => values[i]);
                    Assert.Equal(outputGrad[argmax], inputGrad[map * 4 + ph * 2 + pw]);
                }
    }

    [Fact]
    public void Link_ResolvesADottedPathOrAUniqueTailAcrossBlocks()
    {
        // The pooling layer sits in block "encoder", the unpooling in block "decoder".
        var byPath = SegNetLike("encoder.pool");
        var byTail = SegNetLike("pool");
        byPath.Build(new CpuBackend(), new Shape(1, 2, 4, 4));
        byTail.Build(new CpuBackend(), new Shape(1, 2, 4, 4));

        Assert.Same(((Sequential)byPath.Layers[0]).Layers[1], Unpool(byPath).Pooling);
        Assert.Same(((Sequential)byTail.Layers[0]).Layers[1], Unpool(byTail).Pooling);
        Assert.Equal(new Shape(1, 2, 4, 4), byPath.OutputShape);
    }

    [Fact]
    public void Link_AmbiguousName_ListsTheCandidates()
    {
        var root = new NetworkBuilder()
            .Block("a", b => b.MaxPool2d(2, name: "pool"))
            .Block("b", b => b.MaxPool2d(1, name: "pool"))
            .MaxUnpool2d("pool", "unpool")
            .Build();

        var error = Assert.Throws<ArgumentException>(() => root.Build(new CpuBackend(), new Shape(1, 1, 4, 4)));

        Assert.Equal("Layer 'unpool' (MaxUnpool2d) refers to 'pool', which names 2 layers (a.pool, b.pool); give a longer dotted path.", error.Message);
    }

    [Fact]
    public void Link_MissingName_SaysSo()
    {
        var root = new NetworkBuilder().MaxPool2d(2, name: "pool").MaxUnpool2d("pool5", "unpool").Build();

        var error = Assert.Throws<InvalidOperationException>(() => root.Build(new CpuBackend(), new Shape(1, 1, 4, 4)));

        Assert.Equal("Layer 'unpool' (MaxUnpool2d) refers to max-pooling layer 'pool5', but the graph it is built in has no layer of that name.", error.Message);
    }

    [Fact]
    public void Link_ToAveragePooling_IsRejected()
    {
        var root = new NetworkBuilder().AvgPool2d(2, name: "pool").MaxUnpool2d("pool", "unpool").Build();

        var error = Assert.Throws<ArgumentException>(() => root.Build(new CpuBackend(), new Shape(1, 1, 4, 4)));

        Assert.Equal("Layer 'unpool' (MaxUnpool2d) refers to 'pool', which is AvgPool2d, not a max-pooling layer.", error.Message);
    }

    [Fact]
    public void Link_ToALaterPoolingLayer_IsRejected()
    {
        var root = new NetworkBuilder().MaxUnpool2d("pool", "unpool").MaxPool2d(2, name: "pool").Build();

        var error = Assert.Throws<InvalidOperationException>(() => root.Build(new CpuBackend(), new Shape(1, 1, 2, 2)));

        Assert.Contains("the pooling layer must come before the unpooling layer", error.Message);
    }

    [Fact]
    public void SavedArchitecture_KeepsTheLinkAndGivesTheSameOutput()
    {
        var original = SegNetLike("encoder.pool");
        using var a = new Network(original, new Shape(2, 6, 6), seed: 3);
        using var b = new Network(LayerRegistry.ReadLayer(LayerRegistry.ToJson(original)), new Shape(2, 6, 6), seed: 3);
        var input = Values.Uniform()(new Shape(2, 2, 6, 6), new RandomStream(6));

        Assert.Equal(LayerRegistry.ToJson(original).ToJsonString(), LayerRegistry.ToJson(b.Root).ToJsonString());
        Assert.Equal(a.Predict(input), b.Predict(input));
        Assert.Contains("\"pooling\":\"encoder.pool\"", LayerRegistry.ToJson(original).ToJsonString());
    }

    /// <summary>x -> pool -> [middle] -> unpool, as a chain.</summary>
    private static Sequential PoolUnpool(Pooling pool, ILayer? middle, MaxUnpool unpool) =>
        middle is null ? new Sequential(pool, unpool) : new Sequential(pool, middle, unpool);

    /// <summary>encoder (1x1 conv, pool) -> decoder (unpool referring to <paramref name="reference"/>, 1x1 conv).</summary>
    private static Sequential SegNetLike(string reference) => new NetworkBuilder()
        .Block("encoder", e => e.Conv2d(2, 1, name: "conv").MaxPool2d(2, name: "pool"))
        .Block("decoder", d => d.MaxUnpool2d(reference, "unpool").Conv2d(2, 1, name: "conv"))
        .Build();

    private static MaxUnpool Unpool(Sequential root) => (MaxUnpool)((Sequential)root.Layers[1]).Layers[0];

    private static IEnumerable<float> WindowValues(float[] values, int map, int ph, int pw) =>
        Enumerable.Range(0, 4).Select(t => values[map * 24 + (2 * ph + t / 2) * 6 + 2 * pw + t % 2]);
}
