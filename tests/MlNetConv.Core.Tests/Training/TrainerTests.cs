using MlNetConv.Graphs;
using MlNetConv.Optimizers;
using MlNetConv.Tensors;
using MlNetConv.Training;

namespace MlNetConv.Tests.Training;

public sealed class TrainerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mlnetconv-trainer-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly Shape Sample = new(1, 6, 6);

    /// <summary>A tiny problem: 6x6 images with a bright bar that is horizontal (class 0), vertical (1) or diagonal (2), plus noise.</summary>
    internal static InMemoryDataset Bars(int count, ulong seed) => MlNetConv.Tests.Shared.BarDataset.Bars(count, seed);

    private static Network TinyNetwork(ulong seed = 3) => new(new NetworkBuilder()
        .Conv2d(4, 3, padding: 1).BatchNorm2d().ReLU().MaxPool2d(2).Flatten().Dropout(0.2f).Dense(3).Build(), Sample, seed: seed);

    private static TrainerOptions Options(int epochs = 4) => new()
    {
        Epochs = epochs, BatchSize = 16, Seed = 11, Optimizer = new SgdOptions(0.05f, 0.9f, 1e-4f),
        Schedule = LearningRateSchedules.Cosine(epochs),
    };

    private static float[][] Weights(Network n) => n.Parameters.Select(p => p.Value.ToArray()).ToArray();

    [Fact]
    public void ATinyNetworkLearnsATinyProblem()
    {
        using var network = TinyNetwork();
        var trainer = new Trainer(network, Options(6));
        var before = trainer.Evaluate(Bars(90, 99));
        var result = trainer.Fit(Bars(300, 1));
        var after = trainer.Evaluate(Bars(90, 99));
        Assert.True(after.Accuracy >= 0.95, $"accuracy {after.Accuracy} (before training {before.Accuracy})");
        Assert.True(result.Last.Loss < result.History[0].Loss);
    }

    [Fact]
    public void TheSameSeedGivesBitIdenticalWeights()
    {
        using var a = TinyNetwork();
        using var b = TinyNetwork();
        new Trainer(a, Options()).Fit(Bars(100, 1));
        new Trainer(b, Options()).Fit(Bars(100, 1));
        Assert.Equal(Weights(a), Weights(b));
        using var c = TinyNetwork();
        new Trainer(c, Options() with { Seed = 12 }).Fit(Bars(100, 1));
        Assert.NotEqual(Weights(a), Weights(c));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AResumedRunEndsWithTheWeightsOfAnUninterruptedOne(bool adam)
    {
        var data = Bars(100, 1);
        var validation = Bars(30, 5);
        var options = Options(4) with { Optimizer = adam ? new AdamWOptions(0.01f) : new SgdOptions(0.05f, 0.9f, 1e-4f, Nesterov: true) };
        using var full = TinyNetwork();
        new Trainer(full, options).Fit(data, validation);

        string checkpoint = Path.Combine(_dir, $"run-{adam}.ckpt");
        using (var first = TinyNetwork())
            new Trainer(first, options with { Epochs = 2, CheckpointPath = checkpoint, Schedule = LearningRateSchedules.Cosine(4), RestoreBestWeights = false }).Fit(data, validation);
        using var resumed = TinyNetwork(seed: 999); // other initial weights: the checkpoint must overwrite them all
        new Trainer(resumed, options with { ResumeFrom = checkpoint }).Fit(data, validation);
        Assert.Equal(Weights(full), Weights(resumed));
    }

    [Fact]
    public void EarlyStoppingStopsAndRestoresTheBestEpoch()
    {
        using var network = TinyNetwork();
        // A learning rate far too high makes the validation loss worsen after the first epochs.
        var options = Options(30) with { Optimizer = new SgdOptions(2f, 0.9f), Schedule = null, EarlyStoppingPatience = 2 };
        var trainer = new Trainer(network, options);
        var validation = Bars(60, 5);
        var result = trainer.Fit(Bars(100, 1), validation);
        Assert.True(result.StoppedEarly);
        Assert.True(result.History.Count < 30);
        double best = result.History.Where(h => h.ValidationLoss is not null).Min(h => h.ValidationLoss!.Value);
        Assert.Equal(best, result.History[result.BestEpoch - 1].ValidationLoss);
        Assert.Equal(best, trainer.Evaluate(validation).Loss, 5);
    }

    [Fact]
    public void ValidationFractionHoldsOutData()
    {
        using var network = TinyNetwork();
        var reports = new List<TrainingProgress>();
        var result = new Trainer(network, Options(2) with { ValidationFraction = 0.2f, Progress = new SyncProgress(reports) }).Fit(Bars(100, 1));
        Assert.All(result.History, h => Assert.NotNull(h.ValidationAccuracy));
        Assert.Equal(80 / 16, reports.First(r => r.EpochCompleted).Batches);
        Assert.Contains(reports, r => r.SamplesPerSecond > 0 && r.Batch == 1);
    }

    [Fact]
    public void CancellationWithoutACheckpointPathStopsTrainingAndSaysTheWorkIsLost()
    {
        using var network = TinyNetwork();
        using var cts = new CancellationTokenSource();
        var options = Options(50) with { Progress = new SyncProgress(p => { if (p.Batch == 2) cts.Cancel(); }) };
        var stop = Assert.Throws<TrainingInterruptedException>(() => new Trainer(network, options).Fit(Bars(100, 1), cancellationToken: cts.Token));
        Assert.Equal((1, 2, null), (stop.Epoch, stop.Batch, stop.CheckpointPath));
        Assert.Contains("after batch 2 of 7; no checkpoint path was set", stop.Message);
        Assert.Equal(cts.Token, stop.CancellationToken);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ARunCancelledTwiceMidEpochResumesToTheWeightsAndHistoryOfAnUninterruptedOne(bool adam)
    {
        var data = Bars(100, 1);
        var validation = Bars(30, 5);
        var options = Options(4) with { Optimizer = adam ? new AdamWOptions(0.01f) : new SgdOptions(0.05f, 0.9f), EarlyStoppingPatience = 3 };
        using var full = TinyNetwork();
        var uninterrupted = new Trainer(full, options).Fit(data, validation);

        string checkpoint = Path.Combine(_dir, $"cancelled-{adam}.ckpt");
        foreach (var (epoch, batch, resume) in new[] { (2, 3, false), (3, 6, true) })
        {
            using var cts = new CancellationTokenSource();
            using var part = TinyNetwork(seed: resume ? 999UL : 3UL); // other initial weights: a resumed part takes the checkpoint's
            var stopAfter = new SyncProgress(p => { if (p.Epoch == epoch && p.Batch == batch) cts.Cancel(); });
            var stop = Assert.Throws<TrainingInterruptedException>(() => new Trainer(part, options with
            {
                CheckpointPath = checkpoint, CheckpointEvery = null, ResumeFrom = resume ? checkpoint : null, Progress = stopAfter,
            }).Fit(data, validation, cts.Token));
            Assert.Equal((epoch, batch, Path.GetFullPath(checkpoint)), (stop.Epoch, stop.Batch, stop.CheckpointPath));
            Assert.Contains($"in epoch {epoch} of 4 after batch {batch} of 7; a checkpoint was written to '{Path.GetFullPath(checkpoint)}'", stop.Message);
        }
        using var resumed = TinyNetwork(seed: 999);
        var rest = new Trainer(resumed, options with { ResumeFrom = checkpoint }).Fit(data, validation);
        Assert.Equal(Weights(full), Weights(resumed));
        // The resumed epoch's loss and accuracy count its batches done before the stop, so the records are the same too.
        Assert.Equal(uninterrupted.History.Skip(2).Select(h => h with { Elapsed = default }), rest.History.Select(h => h with { Elapsed = default }));
        Assert.Equal(uninterrupted.BestEpoch, rest.BestEpoch);
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));
    }

    [Fact]
    public void ResumeFromRefusesACheckpointItCannotContinueNamingTheFile()
    {
        var data = Bars(48, 1);
        string checkpoint = Path.Combine(_dir, "run.ckpt");
        using (var network = TinyNetwork())
            new Trainer(network, Options(2) with { CheckpointPath = checkpoint }).Fit(data);

        Exception Resume(string path, TrainerOptions? options = null, Network? network = null)
        {
            using var target = network ?? TinyNetwork();
            return Assert.ThrowsAny<Exception>(() => new Trainer(target, (options ?? Options(3)) with { ResumeFrom = path }).Fit(data));
        }

        string missing = Path.Combine(_dir, "none.ckpt");
        Assert.Equal($"Checkpoint '{missing}' does not exist.", Assert.IsType<FileNotFoundException>(Resume(missing)).Message);

        string corrupt = Path.Combine(_dir, "corrupt.ckpt");
        var bytes = File.ReadAllBytes(checkpoint);
        bytes[bytes.Length / 2] ^= 0x40;
        File.WriteAllBytes(corrupt, bytes);
        Assert.StartsWith($"Checkpoint '{corrupt}' is not a readable checkpoint: checksum mismatch", Assert.IsType<InvalidDataException>(Resume(corrupt)).Message);

        var wider = new Network(new NetworkBuilder().Conv2d(5, 3, padding: 1).BatchNorm2d().ReLU().MaxPool2d(2).Flatten().Dropout(0.2f).Dense(3).Build(), Sample, seed: 3);
        Assert.Equal($"Checkpoint '{checkpoint}' was written for another network: its architecture differs from the one being trained.",
            Assert.IsType<InvalidDataException>(Resume(checkpoint, network: wider)).Message);

        string model = Path.Combine(_dir, "model.bin");
        using (var network = TinyNetwork()) MlNetConv.Persistence.ModelFile.Save(model, network);
        Assert.Equal($"Checkpoint '{model}' holds no training state (it is a model file, not a checkpoint).", Assert.IsType<InvalidDataException>(Resume(model)).Message);

        Assert.StartsWith($"Checkpoint '{checkpoint}' was written by a run with seed 11, batch size 16 and 48 training rows; this run has seed 12,",
            Assert.IsType<ArgumentException>(Resume(checkpoint, Options(3) with { Seed = 12 })).Message);
        Assert.Contains("has no optimizer state", Assert.IsType<InvalidDataException>(Resume(checkpoint, Options(3) with { Optimizer = new AdamWOptions(0.01f) })).Message);
        Assert.Equal($"Checkpoint '{checkpoint}' has 2 epochs done, more than the 1 epochs of this run.", Assert.IsType<ArgumentException>(Resume(checkpoint, Options(1))).Message);
    }

    [Fact]
    public void ANonFiniteLossStopsTrainingWithAClearError()
    {
        using var network = TinyNetwork();
        var data = Bars(32, 1);
        var features = new float[32 * 36];
        var labels = new int[32];
        data.CopyBatch(Enumerable.Range(0, 32).ToArray(), features, labels);
        features[5] = float.NaN;
        var error = Assert.Throws<TrainingDivergedException>(() => new Trainer(network, Options()).Fit(new InMemoryDataset(features, labels, Sample)));
        Assert.Contains("epoch 1", error.Message);
    }

    [Fact]
    public void MismatchedSampleShapesAreRejected()
    {
        using var network = TinyNetwork();
        var wrong = new InMemoryDataset(new float[2 * 49], [0, 1], new Shape(1, 7, 7));
        var error = Assert.Throws<ArgumentException>(() => new Trainer(network, Options()).Fit(wrong));
        Assert.Contains("(1, 7, 7)", error.Message);
        Assert.Contains("(1, 6, 6)", error.Message);
    }

    /// <summary>Reports synchronously (Progress&lt;T&gt; posts to the thread pool).</summary>
    private sealed class SyncProgress(Action<TrainingProgress> action) : IProgress<TrainingProgress>
    {
        public SyncProgress(List<TrainingProgress> list) : this(list.Add) { }
        public void Report(TrainingProgress value) => action(value);
    }
}
