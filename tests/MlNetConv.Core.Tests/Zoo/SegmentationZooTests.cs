using MlNetConv.Backends.Cpu;
using MlNetConv.Backends.Meta;
using MlNetConv.Graphs;
using MlNetConv.Layers;
using MlNetConv.Losses;
using MlNetConv.Persistence;
using MlNetConv.Summary;
using MlNetConv.Tensors;
using MlNetConv.Zoo;

namespace MlNetConv.Tests.Zoo;

/// <summary>
/// FCN-32s/16s/8s and SegNet: per-pixel scores at the input size, a gradient for every weight, saved architectures and
/// files that give the same network, parameter counts, and a backbone that starts from a classifier's weights.
/// </summary>
public sealed class SegmentationZooTests
{
    private const int Classes = 5;

    /// <param name="Input">one sample (C, H, W), small</param>
    public sealed record SegmentationCase(string Name, Func<ILayer> Create, Shape Input);

    private static readonly SegmentationCase[] Cases =
    [
        new("fcn32s", () => Architectures.Fcn32s(Classes, depth: 18, width: 4), new Shape(1, 32, 32)),
        new("fcn16s", () => Architectures.Fcn16s(Classes, depth: 18, width: 4), new Shape(1, 32, 32)),
        new("fcn8s", () => Architectures.Fcn8s(Classes, depth: 18, width: 4), new Shape(1, 40, 36)),
        new("fcn8s_bottleneck", () => Architectures.Fcn8s(Classes, depth: 50, width: 2), new Shape(3, 33, 35)),
        new("fcn4s_input", () => Architectures.Fcn4s(Classes, depth: 18, width: 4, inputSkip: true), new Shape(1, 36, 40)),
        new("segnet", () => Architectures.SegNet(Classes, width: 4, stages: 3), new Shape(1, 16, 16)),
        new("segnet_odd", () => Architectures.SegNet(Classes, width: 2, stages: 5), new Shape(2, 35, 37)),
    ];

    public static TheoryData<string> Names => new(Cases.Select(c => c.Name));

    private static SegmentationCase Get(string name) => Cases.Single(c => c.Name == name);

    [Theory, MemberData(nameof(Names))]
    public void ScoresEveryPixel_AndEveryWeightGetsAFiniteNonZeroGradient(string name)
    {
        var c = Get(name);
        var backend = new CpuBackend();
        using var network = new Network(c.Create(), c.Input, backend, seed: 1);
        const int batch = 2;
        int h = c.Input[1], w = c.Input[2];
        using var input = backend.Allocate(network.InputShape.WithBatch(batch));
        var random = new RandomStream(2);
        input.CopyFrom(Enumerable.Range(0, input.Size).Select(_ => random.NextFloat()).ToArray());
        using var labels = backend.AllocateIndices(new Shape(batch, h, w));
        backend.UploadIndices(Enumerable.Range(0, batch * h * w).Select(i => i / 7 % Classes).ToArray(), labels);

        var output = network.Forward(input, training: true);
        Assert.Equal(new Shape(batch, Classes, h, w), output.Shape);
        var (loss, gradient) = new SoftmaxCrossEntropyLoss().Compute(output, new Targets(labels));
        Assert.True(double.IsFinite(loss), $"loss {loss}");
        network.ZeroGrad();
        network.Backward(gradient);

        foreach (var p in network.TrainableParameters)
        {
            var grad = p.Grad!.ToArray();
            Assert.True(grad.All(float.IsFinite), $"{p.Name}: non-finite gradient");
            Assert.True(grad.Any(g => g != 0f), $"{p.Name}: zero gradient");
        }
    }

    [Theory, MemberData(nameof(Names))]
    public void SavedFile_GivesTheSameNetworkAndOutputs(string name)
    {
        var c = Get(name);
        using var network = new Network(c.Create(), c.Input, seed: 3);
        var (loaded, _) = ModelFile.FromBytes(ModelFile.ToBytes(network));
        using (loaded)
        {
            var input = Enumerable.Range(0, 2 * c.Input.Size).Select(i => MathF.Sin(0.1f * i)).ToArray();
            Assert.Equal(network.Parameters.Select(p => (p.Name, p.Shape)), loaded.Parameters.Select(p => (p.Name, p.Shape)));
            Assert.Equal(network.Predict(input), loaded.Predict(input));
        }
    }

    [Fact]
    public void Fcn_NamesTheBackboneAsResNetAndTheHeadAsThePaper()
    {
        using var network = new Network(Architectures.Fcn8s(Classes, depth: 18, width: 4), new Shape(1, 32, 32), MetaBackend.Default);
        var names = network.Parameters.Select(p => p.Name).ToHashSet();

        Assert.Contains("conv1.weight", names);
        Assert.Contains("bn1.running_mean", names);
        Assert.Contains("layer4.1.conv2.weight", names);
        Assert.Contains("layer2.0.downsample.0.weight", names);
        Assert.Equal(["score_fr", "upscore2", "score_layer3", "upscore2c", "fuse_layer3", "upscore_layer3", "score_layer2", "upscore_layer3c", "fuse_layer2", "upscore8", "score"],
            ((Graph)network.Root).Nodes.Skip(8).Select(n => n.Name));
        Assert.Contains("upscore8.weight", names);
        Assert.DoesNotContain("upscore8.bias", names);
    }

    /// <summary>
    /// On 3x224x224 with 21 classes, each count is ResNet-50's 25,557,032 without its dense layer (2048·1000 + 1000),
    /// plus the head: score_fr 2048·21 + 21; upscore 21·21·64²; upscore2 and upscore_layer3 21·21·4² each; score_layer3
    /// 1024·21 + 21; score_layer2 512·21 + 21; upscore16 21·21·32²; upscore8 21·21·16²; FCN-4s: upscore_layer2 21·21·4²,
    /// score_layer1 256·21 + 21, upscore4 21·21·8²; the input skip 3·21·3² + 21.
    /// </summary>
    [Theory]
    [InlineData(32, 25_557_032 - 2_049_000 + 43_029 + 1_806_336)]
    [InlineData(16, 25_557_032 - 2_049_000 + 43_029 + 7_056 + 21_525 + 451_584)]
    [InlineData(8, 25_557_032 - 2_049_000 + 43_029 + 7_056 + 21_525 + 7_056 + 10_773 + 112_896)]
    [InlineData(4, 25_557_032 - 2_049_000 + 43_029 + 7_056 + 21_525 + 7_056 + 10_773 + 7_056 + 5_397 + 28_224)]
    [InlineData(4, 25_557_032 - 2_049_000 + 43_029 + 7_056 + 21_525 + 7_056 + 10_773 + 7_056 + 5_397 + 28_224 + 588, true)]
    public void Fcn_ParameterCounts(int outputStride, long expected, bool fuseInput = false) =>
        Assert.Equal(expected, ModelSummary.Of(Architectures.Fcn(outputStride, 21, depth: 50, inputSkip: fuseInput), new Shape(3, 224, 224)).TotalParameters);

    /// <summary>
    /// SegNet for CamVid's 12 classes (the paper reports 29.46 M): VGG-16's 13 convolutions without bias
    /// (14,710,464), their batch normalisation (2·4,224), the decoder's 12 convolutions (14,708,736) and normalisation
    /// (2·3,712), the classifier 64·12·9 + 12.
    /// </summary>
    [Fact]
    public void SegNet_ParameterCount()
    {
        var summary = ModelSummary.Of(Architectures.SegNet(12), new Shape(3, 360, 480));

        Assert.Equal(14_710_464 + 8_448 + 14_708_736 + 7_424 + 6_924, summary.TotalParameters);
        Assert.Equal(new Shape(1, 12, 360, 480), summary.Rows[^1].OutputShape);
    }

    [Fact]
    public void Fcn_StartsFromAResNetClassifiersWeights()
    {
        using var classifier = new Network(Architectures.ResNet(18, classes: 10, width: 4), new Shape(1, 28, 28), seed: 7);
        // Move batch norm's running statistics off their initial values, so buffers are seen to be copied too.
        using (var batch = classifier.Backend.Allocate(new Shape(4, 1, 28, 28)))
        {
            batch.CopyFrom(Enumerable.Range(0, batch.Size).Select(i => MathF.Cos(i * 0.3f)).ToArray());
            classifier.Forward(batch, training: true);
        }
        using var fcn = new Network(Architectures.Fcn8s(11, depth: 18, width: 4), new Shape(1, 64, 64), seed: 8);
        var scoreBefore = fcn["score_fr.weight"].Value.ToArray();

        var copied = fcn.CopyMatchingParameters(classifier);

        Assert.Equal(classifier.Parameters.Select(p => p.Name).Where(n => !n.StartsWith("fc.", StringComparison.Ordinal)), copied);
        foreach (string name in copied) Assert.Equal(classifier[name].Value.ToArray(), fcn[name].Value.ToArray());
        Assert.NotEqual(new float[fcn["bn1.running_mean"].Size], fcn["bn1.running_mean"].Value.ToArray());
        Assert.Equal(scoreBefore, fcn["score_fr.weight"].Value.ToArray());
    }

    [Fact]
    public void CopyMatchingParameters_WithAPrefix_AndAShapeMismatchNamesBoth()
    {
        using var source = new Network(new NetworkBuilder().Conv2d(3, 3, name: "conv").Build(), new Shape(1, 8, 8));
        using var target = new Network(new NetworkBuilder().Block("backbone", b => b.Conv2d(3, 3, name: "conv")).Build(), new Shape(1, 8, 8));
        using var wrong = new Network(new NetworkBuilder().Conv2d(3, 3, name: "conv").Build(), new Shape(2, 8, 8));

        Assert.Equal(["backbone.conv.weight", "backbone.conv.bias"], target.CopyMatchingParameters(source, "backbone."));
        Assert.Equal(source["conv.weight"].Value.ToArray(), target["backbone.conv.weight"].Value.ToArray());
        var error = Assert.Throws<ArgumentException>(() => wrong.CopyMatchingParameters(source));
        Assert.Equal("Parameter 'conv.weight' (3, 1, 3, 3) of the source does not fit 'conv.weight' (3, 2, 3, 3) of this network.", error.Message);
    }
}
