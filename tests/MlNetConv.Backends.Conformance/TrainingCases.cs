using MlNetConv.Graphs;
using MlNetConv.Layers;
using MlNetConv.Losses;
using MlNetConv.Optimizers;
using MlNetConv.Tensors;
using MlNetConv.Training;
using static MlNetConv.Conformance.BackendConformance;

namespace MlNetConv.Conformance;

/// <summary>
/// Whole networks trained a few steps: the per-step losses and the final weights must follow the reference's curve.
/// Errors compound over steps, so the tolerance is looser than for single kernels.
/// </summary>
internal static class TrainingCases
{
    private static readonly Shape Sample = new(2, 6, 6);
    private static readonly Tolerance Curve = new(2e-3, 2e-5);

    public static IReadOnlyList<ConformanceCase> All =>
    [
        new(BackendConformance.Training, "residual_cnn_sgd_3_steps", r => ManualLoop(r, ResidualCnn(r), new SgdOptions(0.05f, 0.9f, 1e-4f), steps: 3)),
        // No batch norm here: a convolution bias in front of one has a zero gradient up to rounding, which Adam's
        // normalised step would blow up into noise of the learning rate's size.
        new(BackendConformance.Training, "plain_cnn_adam_3_steps", r => ManualLoop(r, PlainCnn(r), new AdamOptions(1e-2f), steps: 3)),
        new(BackendConformance.Training, "lenet_style_trainer_2_epochs", TrainerFit),
        // Fine-tuning: the stem and the residual block frozen (skipped by backward), every batch norm on its running
        // statistics in training, the tail trained.
        new(BackendConformance.Training, "residual_cnn_frozen_backbone_and_statistics_sgd_3_steps",
            r => ManualLoop(r, FrozenBackbone(ResidualCnn(r)), new SgdOptions(0.05f, 0.9f, 1e-4f), steps: 3)),
    ];

    /// <summary>Conv-BN-ReLU, a residual block, max pooling, LRN, dropout and a dense head: most layer kinds in one graph.</summary>
    private static Network ResidualCnn(Results r) => new(new NetworkBuilder()
        .Conv2d(6, 3, padding: 1).BatchNorm2d().ReLU()
        .Residual(main => main.Conv2d(6, 3, padding: 1).BatchNorm2d().ReLU().Conv2d(6, 3, padding: 1, groups: 2).BatchNorm2d())
        .ReLU().MaxPool2d(2).LocalResponseNorm(3).Conv2d(5, 1).Tanh().GlobalAvgPool()
        .Dropout(0.25f).Dense(3).Build(), Sample, r.Backend, seed: 5);

    /// <summary>Freezes the network's first four nodes (conv, bn, relu, residual block) and the statistics of every batch norm.</summary>
    private static Network FrozenBackbone(Network network)
    {
        network.Freeze("3");
        network.FreezeBatchNorm();
        return network;
    }

    private static Network PlainCnn(Results r) => new(new NetworkBuilder()
        .Conv2d(4, 3, padding: 1).LeakyReLU(0.1f).AvgPool2d(2).Conv2d(5, 3, stride: 2, padding: 1).Sigmoid().Flatten().Dense(3).Build(),
        Sample, r.Backend, seed: 6);

    private static (float[] Features, int[] Labels) Batch(int step, int n)
    {
        var features = Random(n * Sample.Size, $"batch {step}");
        var random = new RandomStream(11, $"labels {step}");
        return (features, Enumerable.Range(0, n).Select(_ => random.NextInt(3)).ToArray());
    }

    private static void ManualLoop(Results r, Network network, OptimizerOptions optimizerOptions, int steps)
    {
        const int n = 4;
        using var _ = network;
        var optimizer = optimizerOptions.Create(network.UpdatedParameters);
        var loss = new SoftmaxCrossEntropyLoss();
        var input = r.Backend.Allocate(network.InputShape.WithBatch(n));
        var labels = r.Backend.AllocateIndices(new Shape(n));
        var losses = new float[steps];
        for (int step = 0; step < steps; step++)
        {
            var (features, targets) = Batch(step, n);
            input.CopyFrom(features);
            r.Backend.UploadIndices(targets, labels);
            network.SetStepSeed(3, step);
            network.ZeroGrad();
            var output = network.Forward(input, training: true);
            var result = loss.Compute(output, new Targets(labels));
            network.Backward(result.Gradient);
            optimizer.Step();
            losses[step] = (float)result.Loss;
        }
        r.Add("loss curve", losses, Curve);
        foreach (var p in network.Parameters) r.Add(p.Name, p.Value, Curve);
        // Frozen weights, and statistics that training leaves alone, keep their initial bits (the same on every backend).
        foreach (var p in network.Parameters.Where(p => p.Frozen)) r.Add($"{p.Name} (frozen)", p.Value, Tolerance.Exact);
        foreach (var norm in Network.Flatten(network.Root).OfType<BatchNorm>().Where(n => n.FreezeStatistics))
        {
            r.Add($"{norm.RunningMean.Name} (frozen)", norm.RunningMean.Value, Tolerance.Exact);
            r.Add($"{norm.RunningVar.Name} (frozen)", norm.RunningVar.Value, Tolerance.Exact);
        }
        r.Add("evaluation logits", network.Forward(input), Curve);
    }

    private static void TrainerFit(Results r)
    {
        var sample = new Shape(1, 10, 10);
        using var network = new Network(new NetworkBuilder()
            .Conv2d(4, 5, padding: 2).ScaledTanh().AvgPool2d(2).Conv2d(6, 3).ReLU().MaxPool2d(2, ceilMode: true).Flatten()
            .Dense(10).Sigmoid().Dense(4).Build(), sample, r.Backend, seed: 9);
        var random = new RandomStream(4);
        int count = 24;
        var features = Random(count * sample.Size, "trainer features");
        var labels = Enumerable.Range(0, count).Select(_ => random.NextInt(4)).ToArray();
        var trainer = new Trainer(network, new TrainerOptions { Epochs = 2, BatchSize = 12, Seed = 2, Optimizer = new SgdOptions(0.1f, 0.9f) });
        var result = trainer.Fit(new InMemoryDataset(features, labels, sample));
        r.Add("epoch losses", result.History.Select(e => (float)e.Loss).ToArray(), Curve);
        // One sample of the 24 may flip its arg-max between backends.
        r.Add("epoch accuracies", result.History.Select(e => (float)e.Accuracy).ToArray(), new Tolerance(0, 0.05));
        foreach (var p in network.Parameters) r.Add(p.Name, p.Value, Curve);
    }
}
