using MlNetConv.Graphs;
using MlNetConv.Optimizers;
using MlNetConv.Tensors;
using MlNetConv.Tests.Support;
using MlNetConv.Training;

namespace MlNetConv.Tests.Training;

/// <summary>
/// Training with frozen weights, frozen batch statistics and learning-rate scales: what stays, what trains, and that
/// runs stay reproducible and resumable bit for bit.
/// </summary>
public sealed class FineTuningTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mlnetconv-finetune-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly Shape Sample = new(1, 6, 6);

    /// <summary>(N, 1, 6, 6) -> conv, bn, relu, pool -> (N, 4·3·3) -> dropout, fc -> (N, 3).</summary>
    private static Network SmallNetwork(ulong seed = 3) => new(new NetworkBuilder()
        .Conv2d(4, 3, padding: 1, name: "conv").BatchNorm2d(name: "bn").ReLU("relu").MaxPool2d(2, name: "pool").Flatten("flatten")
        .Dropout(0.2f, "drop").Dense(3, name: "fc").Build("small"), Sample, seed: seed);

    private static TrainerOptions Options(int epochs = 4, OptimizerOptions? optimizer = null) => new()
    {
        Epochs = epochs, BatchSize = 16, Seed = 11, Optimizer = optimizer ?? new SgdOptions(0.05f, 0.9f, 1e-4f),
        Schedule = LearningRateSchedules.Cosine(epochs),
    };

    private static Dictionary<string, float[]> Values(Network network) => network.Parameters.ToDictionary(p => p.Name, p => p.Value.ToArray());

    private static float[][] Weights(Network network) => network.Parameters.Select(p => p.Value.ToArray()).ToArray();

    public static TheoryData<string> Optimizers => new(["sgd", "adamw"]);

    private static OptimizerOptions Optimizer(string name) => name == "sgd" ? new SgdOptions(0.05f, 0.9f, 1e-3f, Nesterov: true) : new AdamWOptions(0.01f);

    [Theory, MemberData(nameof(Optimizers))]
    public void FrozenWeights_KeepTheirBitsWhileTheOthersTrain(string optimizer)
    {
        using var network = SmallNetwork();
        var frozen = network.Freeze("pool");
        Assert.Equal(["conv.weight", "conv.bias", "bn.weight", "bn.bias"], frozen);
        var before = Values(network);
        new Trainer(network, Options(optimizer: Optimizer(optimizer))).Fit(TrainerTests.Bars(100, 1));
        var after = Values(network);
        foreach (var name in frozen) Assert.Equal(before[name], after[name]);
        Assert.NotEqual(before["fc.weight"], after["fc.weight"]);
        Assert.NotEqual(before["fc.bias"], after["fc.bias"]);
        // Buffers are no weights: batch statistics still follow the batches unless frozen themselves.
        Assert.NotEqual(before["bn.running_mean"], after["bn.running_mean"]);
    }

    /// <summary>
    /// Training a network whose backbone is frozen (batch statistics too) is training its head alone on the backbone's
    /// features: the head's weights and the loss curve come out bit-identical. The head sees the same feature values
    /// (a frozen batch norm in training is the evaluation formula, and the fused evaluation the features are computed with
    /// gives the bits of the layers one by one), draws the same dropout masks (one stochastic layer in both, seeded by
    /// step) and gets the same weights from the same seed and names.
    /// </summary>
    [Fact]
    public void AFrozenBackbone_TrainsTheHeadAsTrainingItAloneOnPrecomputedFeatures()
    {
        var data = TrainerTests.Bars(100, 1);
        using var full = SmallNetwork();
        BatchNormValues.Randomize(full, 21);
        full.Freeze("flatten");
        full.FreezeBatchNorm();
        var fullRun = new Trainer(full, Options()).Fit(data);

        using var backbone = new Network(GraphSurgery.CutAt(full.Root, "flatten"), Sample);
        Assert.Equal(6, backbone.CopyMatchingParameters(full).Count); // conv and bn weights, bn statistics (unchanged by training)
        var images = new float[data.Count * Sample.Size];
        var labels = new int[data.Count];
        data.CopyBatch(Enumerable.Range(0, data.Count).ToArray(), images, labels);
        var features = backbone.Predict(images);
        var featureShape = new Shape(backbone.OutputShapes[0].SampleSize);

        using var head = new Network(new NetworkBuilder().Dropout(0.2f, "drop").Dense(3, name: "fc").Build("head"), featureShape, seed: 3);
        var headRun = new Trainer(head, Options()).Fit(new InMemoryDataset(features, labels, featureShape));

        Assert.Equal(head["fc.weight"].Value.ToArray(), full["fc.weight"].Value.ToArray());
        Assert.Equal(head["fc.bias"].Value.ToArray(), full["fc.bias"].Value.ToArray());
        Assert.Equal(headRun.History.Select(h => h.Loss), fullRun.History.Select(h => h.Loss));
    }

    [Fact]
    public void ALearningRateScaleOfZero_LeavesTheBackboneWhereItIs()
    {
        using var network = SmallNetwork();
        var before = Values(network);
        var scales = network.ParametersThrough("pool").ToDictionary(p => p.Name, _ => 0f);
        new Trainer(network, Options() with { LearningRateScales = scales }).Fit(TrainerTests.Bars(100, 1));
        var after = Values(network);
        Assert.Equal(["conv.weight", "conv.bias", "bn.weight", "bn.bias"], scales.Keys);
        foreach (var name in scales.Keys) Assert.Equal(before[name], after[name]);
        Assert.NotEqual(before["fc.weight"], after["fc.weight"]);
    }

    /// <summary>A scale s on every weight is the learning rate times s: the same bits with SGD and with AdamW.</summary>
    [Theory, MemberData(nameof(Optimizers))]
    public void ALearningRateScaleOnEveryWeight_IsTheScaledLearningRate(string optimizer)
    {
        const float s = 0.3f;
        using var scaled = SmallNetwork();
        using var plain = SmallNetwork();
        var options = Options(optimizer: Optimizer(optimizer)) with { Schedule = null };
        new Trainer(scaled, options with { LearningRateScales = scaled.TrainableParameters.ToDictionary(p => p.Name, _ => s) }).Fit(TrainerTests.Bars(64, 1));
        var slower = options.Optimizer switch
        {
            SgdOptions sgd => (OptimizerOptions)(sgd with { LearningRate = sgd.LearningRate * s }),
            AdamOptions adam => adam with { LearningRate = adam.LearningRate * s },
            _ => throw new InvalidOperationException(),
        };
        new Trainer(plain, options with { Optimizer = slower }).Fit(TrainerTests.Bars(64, 1));
        Assert.Equal(Weights(plain), Weights(scaled));
    }

    [Fact]
    public void LearningRateScales_AreCheckedByName()
    {
        using var network = SmallNetwork();
        var unknown = Assert.Throws<ArgumentException>(() => new Trainer(network, Options() with { LearningRateScales = new Dictionary<string, float> { ["conv.wieght"] = 0.1f } }));
        Assert.Equal("The learning-rate scales name 'conv.wieght', which is no trainable parameter of the network.", unknown.Message);
        var buffer = Assert.Throws<ArgumentException>(() => new Trainer(network, Options() with { LearningRateScales = new Dictionary<string, float> { ["bn.running_var"] = 0.1f } }));
        Assert.Contains("'bn.running_var'", buffer.Message);
        var negative = Assert.Throws<ArgumentException>(() => new Trainer(network, Options() with { LearningRateScales = new Dictionary<string, float> { ["fc.weight"] = -1f } }));
        Assert.Equal("The learning-rate scale of 'fc.weight' must be finite and at least 0, got -1.", negative.Message);
        Assert.Throws<ArgumentException>(() => new Trainer(network, Options() with { LearningRateScales = new Dictionary<string, float> { ["fc.weight"] = float.NaN } }));
        // A scale of a frozen weight is allowed (and has nothing to scale).
        network.Freeze("pool");
        new Trainer(network, Options() with { LearningRateScales = new Dictionary<string, float> { ["conv.weight"] = 0.1f } });
    }

    [Fact]
    public void FrozenBatchStatistics_StayPut_WhileTheLayerStillTrainsItsAffineWeights()
    {
        using var network = SmallNetwork();
        BatchNormValues.Randomize(network, 21);
        Assert.Equal(["bn"], network.FreezeBatchNorm("pool"));
        var before = Values(network);
        new Trainer(network, Options()).Fit(TrainerTests.Bars(100, 1));
        var after = Values(network);
        Assert.Equal(before["bn.running_mean"], after["bn.running_mean"]);
        Assert.Equal(before["bn.running_var"], after["bn.running_var"]);
        Assert.NotEqual(before["bn.weight"], after["bn.weight"]);

        network.UnfreezeBatchNorm();
        new Trainer(network, Options(1)).Fit(TrainerTests.Bars(32, 2));
        Assert.NotEqual(after["bn.running_mean"], network["bn.running_mean"].Value.ToArray());
        Assert.Equal(["bn"], network.FreezeBatchNorm("fc"));
        Assert.Throws<ArgumentException>(() => network.FreezeBatchNorm("nothing"));
    }

    [Fact]
    public void TheSameSeedGivesTheSameBits_WithFrozenWeightsStatisticsAndScales()
    {
        float[][] Run(ulong seed)
        {
            using var network = SmallNetwork();
            network.Freeze("conv");
            network.FreezeBatchNorm();
            var options = Options() with { Seed = seed, LearningRateScales = new Dictionary<string, float> { ["bn.weight"] = 0.5f } };
            new Trainer(network, options).Fit(TrainerTests.Bars(100, 1));
            return Weights(network);
        }
        Assert.Equal(Run(11), Run(11));
        Assert.NotEqual(Run(11), Run(12));
    }

    [Theory, MemberData(nameof(Optimizers))]
    public void AResumedRunWithFrozenWeights_EndsWithTheBitsOfAnUninterruptedOne(string optimizer)
    {
        var data = TrainerTests.Bars(100, 1);
        var options = Options(4, Optimizer(optimizer)) with { LearningRateScales = new Dictionary<string, float> { ["bn.bias"] = 0.25f } };
        Network Prepared(ulong seed)
        {
            var network = SmallNetwork(seed);
            network.Freeze("conv");
            network.FreezeBatchNorm();
            return network;
        }
        using var full = Prepared(3);
        new Trainer(full, options).Fit(data);

        string checkpoint = Path.Combine(_dir, $"frozen-{optimizer}.ckpt");
        using (var first = Prepared(3))
            new Trainer(first, options with { Epochs = 2, CheckpointPath = checkpoint, Schedule = LearningRateSchedules.Cosine(4) }).Fit(data);
        using var resumed = Prepared(999); // other initial weights, frozen ones included: the checkpoint holds them all
        new Trainer(resumed, options with { ResumeFrom = checkpoint }).Fit(data);
        Assert.Equal(Weights(full), Weights(resumed));

        using var other = SmallNetwork();
        other.Freeze("pool");
        var refused = Assert.Throws<ArgumentException>(() => new Trainer(other, options with { ResumeFrom = checkpoint }).Fit(data));
        Assert.Equal($"Checkpoint '{checkpoint}' was written by a run with 2 frozen parameters, this run has 4: 'bn.weight' is frozen and was not " +
            "(and 1 more). Freeze what the run that wrote it froze.", refused.Message);
    }
}
