using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetConv.Estimators.Persistence;
using MlNetConv.Graphs;
using MlNetConv.Optimizers;
using MlNetConv.Tensors;

using static MlNetConv.Tests.Shared.BarImages;

namespace MlNetConv.Estimators.Tests;

public class ConvNetClassificationTrainerTests
{
    private static ConvNetClassificationOptions Options() => new()
    {
        Architecture = new NetworkBuilder().Conv2d(4, 3, padding: 1).ReLU().MaxPool2d(2).Flatten().Dense(3).Build(),
        Epochs = 6, BatchSize = 16, Seed = 3, Optimizer = new SgdOptions(0.05f, 0.9f),
    };

    private static IEstimator<ITransformer> Pipeline(MLContext ml, ConvNetClassificationOptions options) =>
        ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.MulticlassClassification.Trainers.ConvNet(ml, options))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));

    [Fact]
    public void FitsTransformsAndEvaluatesLikeAnMlNetTrainer()
    {
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadFromEnumerable(Bars(300, 1));
        var test = ml.Data.LoadFromEnumerable(Bars(90, 2));
        var estimator = Pipeline(ml, Options());

        var model = estimator.Fit(train);
        var scored = model.Transform(test);
        // Schema propagation: Transform's schema is GetOutputSchema's, with the annotations ML.NET's trainers attach.
        Assert.Equal(model.GetOutputSchema(test.Schema).Select(c => (c.Name, c.Type)), scored.Schema.Select(c => (c.Name, c.Type)));
        var score = scored.Schema["Score"];
        Assert.Equal(new VectorDataViewType(NumberDataViewType.Single, 3), score.Type);
        ReadOnlyMemory<char> kind = default;
        score.Annotations.GetValue("ScoreColumnKind", ref kind);
        Assert.Equal("MulticlassClassification", kind.ToString());
        VBuffer<ReadOnlyMemory<char>> slots = default;
        score.GetSlotNames(ref slots);
        Assert.Equal(Classes, slots.DenseValues().Select(v => v.ToString()));

        var metrics = ml.MulticlassClassification.Evaluate(scored);
        Assert.True(metrics.MicroAccuracy >= 0.95, $"accuracy {metrics.MicroAccuracy}");

        // The evaluator's accuracy equals the accuracy counted by hand from the engine's predictions.
        var predictions = ml.Data.CreateEnumerable<Output>(scored, reuseRowObject: false).ToList();
        var truth = Bars(90, 2);
        double manual = predictions.Zip(truth).Count(p => p.First.PredictedLabel == p.Second.Label) / (double)truth.Count;
        Assert.Equal(manual, metrics.MicroAccuracy, 10);
        Assert.All(predictions, p => Assert.Equal(1f, p.Score.Sum(), 4));
    }

    [Fact]
    public void DistributedTrainingOutsideAnMpiLauncherSaysHowToStartOne()
    {
        var ml = new MLContext(seed: 1);
        var options = Options();
        options.Distributed = true;
        var e = Assert.Throws<InvalidOperationException>(() => Pipeline(ml, options).Fit(ml.Data.LoadFromEnumerable(Bars(30, 1))));
        Assert.Contains("'mpirun -np 2", e.Message);
    }

    [Fact]
    public void PredictionEnginesGiveTheBatchedAnswersUnderParallelLoad()
    {
        var ml = new MLContext(seed: 1);
        var model = Pipeline(ml, Options()).Fit(ml.Data.LoadFromEnumerable(Bars(150, 1)));
        var rows = Bars(60, 7);
        var batched = ml.Data.CreateEnumerable<Output>(model.Transform(ml.Data.LoadFromEnumerable(rows)), reuseRowObject: false).ToList();
        var results = new Output[400];
        Parallel.For(0, 8, worker =>
        {
            var engine = ml.Model.CreatePredictionEngine<Input, Output>(model);
            for (int i = worker; i < results.Length; i += 8) results[i] = engine.Predict(rows[i % rows.Count]);
        });
        for (int i = 0; i < results.Length; i++)
        {
            Assert.Equal(batched[i % rows.Count].PredictedLabel, results[i].PredictedLabel);
            Assert.Equal(batched[i % rows.Count].Score, results[i].Score, new ToleranceComparer(1e-5f));
        }
    }

    [Fact]
    public void TheSameSeedGivesTheSameScores()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Bars(90, 1));
        float[] Scores() => ml.Data.CreateEnumerable<Output>(Pipeline(ml, Options()).Fit(data).Transform(data), false).SelectMany(o => o.Score).ToArray();
        Assert.Equal(Scores(), Scores());
    }

    [Fact]
    public void MissingOrMistypedColumnsThrowMessagesThatNameThem()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Bars(30, 1));
        var noFeatures = Options();
        noFeatures.FeatureColumnName = "Pixels";
        var e1 = Assert.ThrowsAny<Exception>(() => Pipeline(ml, noFeatures).Fit(data));
        Assert.Contains("'Pixels'", e1.Message);
        var e2 = Assert.ThrowsAny<Exception>(() => ml.MulticlassClassification.Trainers.ConvNet(ml, Options()).Fit(data));
        Assert.Contains("key", e2.Message);
        var wrongShape = Options();
        wrongShape.InputShape = [1, 5, 5];
        var e3 = Assert.ThrowsAny<Exception>(() => Pipeline(ml, wrongShape).Fit(data));
        Assert.Contains("(1, 5, 5)", e3.Message);
    }

    [Fact]
    public void BadRowsAreNamedOrSkipped()
    {
        var ml = new MLContext(seed: 1);
        var rows = Bars(40, 1);
        rows[17].Features[3] = float.NaN;
        var data = ml.Data.LoadFromEnumerable(rows);
        var error = Assert.ThrowsAny<Exception>(() => Pipeline(ml, Options()).Fit(data));
        Assert.Contains("row 17", error.Message);
        var skip = Options();
        skip.SkipBadRows = true;
        var model = Pipeline(ml, skip).Fit(data);
        Assert.NotNull(model);
    }

    [Fact]
    public void WithoutASeedOptionTheMLContextSeedDecides()
    {
        float[] Scores(int contextSeed)
        {
            var ml = new MLContext(seed: contextSeed);
            var options = Options();
            options.Seed = null;
            var data = ml.Data.LoadFromEnumerable(Bars(60, 1));
            return ml.Data.CreateEnumerable<Output>(Pipeline(ml, options).Fit(data).Transform(data), false).SelectMany(o => o.Score).ToArray();
        }
        Assert.Equal(Scores(5), Scores(5));
        Assert.NotEqual(Scores(5), Scores(6));
    }

    [Fact]
    public void TrainingReportsToMLContextLogAndHonoursGpuDeviceIdAndFallback()
    {
        var strict = new MLContext(seed: 1) { GpuDeviceId = 0, FallbackToCpu = false };
        var data = strict.Data.LoadFromEnumerable(Bars(30, 1));
        var error = Assert.Throws<InvalidOperationException>(() => Pipeline(strict, Options()).Fit(data));
        Assert.Contains("gpu:0", error.Message);

        var lenient = new MLContext(seed: 1) { GpuDeviceId = 0, FallbackToCpu = true };
        var messages = new List<string>();
        lenient.Log += (_, e) => messages.Add(e.RawMessage);
        var options = Options();
        var progress = new List<Training.TrainingProgress>();
        options.Progress = new SynchronousProgress(progress.Add);
        Pipeline(lenient, options).Fit(lenient.Data.LoadFromEnumerable(Bars(30, 1)));
        Assert.Contains(messages, m => m.Contains("falling back"));
        Assert.Equal(options.Epochs, messages.Count(m => m.StartsWith("epoch ")));
        Assert.Equal(options.Epochs, progress.Count(p => p.EpochCompleted));
        Assert.All(progress, p => Assert.True(p.SamplesPerSecond > 0 && double.IsFinite(p.Loss)));
    }

    [Fact]
    public void CancellingWithoutACheckpointStopsTrainingWithoutAModel()
    {
        var ml = new MLContext(seed: 1);
        using var cancel = new CancellationTokenSource();
        var options = Options();
        options.Epochs = 50;
        options.CancellationToken = cancel.Token;
        options.Progress = new SynchronousProgress(p => { if (p.Epoch == 2) cancel.Cancel(); });
        var stop = Assert.Throws<Training.TrainingInterruptedException>(() => Pipeline(ml, options).Fit(ml.Data.LoadFromEnumerable(Bars(60, 1))));
        Assert.Null(stop.CheckpointPath);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ARunCancelledMidEpochAndResumedFromItsCheckpointGivesTheUninterruptedModel(bool streamed)
    {
        string folder = Directory.CreateTempSubdirectory("mlnetconv-resume-").FullName;
        try
        {
            var ml = new MLContext(seed: 1);
            var data = ml.Data.LoadFromEnumerable(Bars(150, 1));
            var test = ml.Data.LoadFromEnumerable(Bars(60, 2));
            ConvNetClassificationOptions Recipe()
            {
                var options = Options();
                options.ValidationFraction = 0.2f;
                if (streamed) options.MaxInMemoryBytes = 40 * 36 * sizeof(float); // a cache of 40 of the 150 samples
                return options;
            }
            var straight = Pipeline(ml, Recipe()).Fit(data);

            string checkpoint = Path.Combine(folder, "run.ckpt");
            using var cancel = new CancellationTokenSource();
            var interrupted = Recipe();
            interrupted.CheckpointPath = checkpoint;
            interrupted.CancellationToken = cancel.Token;
            interrupted.Progress = new SynchronousProgress(p => { if (p.Epoch == 3 && p.Batch == 2) cancel.Cancel(); });
            var stop = Assert.Throws<Training.TrainingInterruptedException>(() => Pipeline(ml, interrupted).Fit(data));
            Assert.Equal((3, 2, Path.GetFullPath(checkpoint)), (stop.Epoch, stop.Batch, stop.CheckpointPath));

            var resumed = Recipe();
            resumed.ResumeFrom = checkpoint;
            resumed.CheckpointPath = checkpoint;
            var epochs = new List<Training.TrainingProgress>();
            resumed.Progress = new SynchronousProgress(p => { if (p.EpochCompleted) epochs.Add(p); });
            var model = Pipeline(ml, resumed).Fit(data);

            Assert.Equal([3, 4, 5, 6], epochs.Select(p => p.Epoch));
            Assert.Equal(straight.FindConvNet().Model.Bytes.ToArray(), model.FindConvNet().Model.Bytes.ToArray());
            Assert.Equal(straight.Transform(test).GetColumn<float[]>("Score"), model.Transform(test).GetColumn<float[]>("Score"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void ResumingFromAMissingCorruptOrForeignCheckpointIsAnErrorNamingTheFile()
    {
        string folder = Directory.CreateTempSubdirectory("mlnetconv-resume-").FullName;
        try
        {
            var ml = new MLContext(seed: 1);
            var data = ml.Data.LoadFromEnumerable(Bars(60, 1));
            Exception Resume(string path)
            {
                var options = Options();
                options.ResumeFrom = path;
                return Assert.ThrowsAny<Exception>(() => Pipeline(ml, options).Fit(data));
            }

            string missing = Path.Combine(folder, "missing.ckpt");
            Assert.Equal($"ConvNet: checkpoint '{missing}' (ResumeFrom) does not exist.", Assert.IsType<FileNotFoundException>(Resume(missing)).Message);

            string corrupt = Path.Combine(folder, "corrupt.ckpt");
            File.WriteAllText(corrupt, "not a checkpoint at all, but long enough to have a header and a hash");
            Assert.StartsWith($"Checkpoint '{corrupt}' is not a readable checkpoint: not an MlNetConv model", Assert.IsType<InvalidDataException>(Resume(corrupt)).Message);

            string foreign = Path.Combine(folder, "foreign.ckpt");
            var other = Options();
            other.Architecture = new NetworkBuilder().Conv2d(8, 3, padding: 1).ReLU().MaxPool2d(2).Flatten().Dense(3).Build();
            other.Epochs = 1;
            other.CheckpointPath = foreign;
            Pipeline(ml, other).Fit(data);
            Assert.Equal($"Checkpoint '{foreign}' was written for another network: its architecture differs from the one being trained.",
                Assert.IsType<InvalidDataException>(Resume(foreign)).Message);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private sealed class SynchronousProgress(Action<Training.TrainingProgress> report) : IProgress<Training.TrainingProgress>
    {
        public void Report(Training.TrainingProgress value) => report(value);
    }

    private sealed class ToleranceComparer(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float a, float b) => Math.Abs(a - b) <= tolerance;
        public int GetHashCode(float value) => 0;
    }
}
