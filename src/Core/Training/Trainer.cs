using System.Diagnostics;
using System.Globalization;
using MlNetConv.Graphs;
using MlNetConv.Losses;
using MlNetConv.Optimizers;
using MlNetConv.Persistence;
using MlNetConv.Tensors;

namespace MlNetConv.Training;

/// <summary>
/// The training loop: seeded shuffling per epoch, mini-batches, optimizer and schedule, validation, early stopping,
/// progress, cancellation and checkpoints. Every random draw depends only on (seed, epoch, step), so a run resumed
/// from a checkpoint ends with the same weights as an uninterrupted one.
/// </summary>
public sealed class Trainer
{
    private readonly Network _network;
    private readonly TrainerOptions _options;
    private readonly WeightedSumLoss _loss;
    private readonly IOptimizer _optimizer;

    public Trainer(Network network, TrainerOptions options)
    {
        options.Validate();
        _network = network;
        _options = options;
        _loss = options.Loss ?? WeightedSumLoss.Single(new SoftmaxCrossEntropyLoss());
        if (_loss.Terms.Count != network.OutputCount)
            throw new ArgumentException($"The network has {network.OutputCount} outputs but the loss has {_loss.Terms.Count} terms.");
        _optimizer = options.Optimizer.Create(network.TrainableParameters);
    }

    public IOptimizer Optimizer => _optimizer;

    /// <summary>Trains; resumes from <see cref="TrainerOptions.CheckpointPath"/> when <paramref name="resume"/> is set and the file exists.</summary>
    public TrainingResult Fit(IDataset train, IDataset? validation = null, bool resume = false, CancellationToken cancellationToken = default)
    {
        CheckSamples(train, "training");
        if (validation is null && _options.ValidationFraction > 0) (train, validation) = Split(train);
        if (validation is not null) CheckSamples(validation, "validation");
        if (train.Count == 0) throw new ArgumentException("The training set is empty.");

        var history = new List<EpochRecord>();
        int startEpoch = 0, bestEpoch = -1, badEpochs = 0;
        double bestLoss = double.PositiveInfinity;
        float[][]? bestWeights = null;
        if (resume && _options.CheckpointPath is { } cp && File.Exists(cp))
            (startEpoch, bestEpoch, badEpochs, bestLoss, bestWeights) = Resume(cp);

        int batches = (train.Count + _options.BatchSize - 1) / _options.BatchSize;
        var clock = Stopwatch.StartNew();
        bool stoppedEarly = false;
        using var batch = new BatchBuffers(_network, train, _options.BatchSize);
        for (int epoch = startEpoch; epoch < _options.Epochs && !stoppedEarly; epoch++)
        {
            var epochClock = Stopwatch.StartNew();
            var order = Enumerable.Range(0, train.Count).ToArray();
            train.ShuffleEpoch(order, new RandomStream(RandomStream.Combine(_options.Seed, (ulong)epoch, 1)));
            var metrics = new RunningMetrics();
            float lr = _optimizer.LearningRate;
            for (int b = 0; b < batches; b++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int start = b * _options.BatchSize, n = Math.Min(_options.BatchSize, train.Count - start);
                long step = (long)epoch * batches + b;
                batch.Load(train, order.AsSpan(start, n), _options.Augmentation, _options.Normalization, RandomStream.Combine(_options.Seed, (ulong)step, 2));
                lr = _options.Schedule?.LearningRate(_options.Optimizer.LearningRate, epoch + (double)b / batches) ?? _options.Optimizer.LearningRate;
                _optimizer.LearningRate = lr;
                _network.SetStepSeed(_options.Seed, step);
                _network.ZeroGrad();
                var outputs = _network.ForwardAll(batch.Input, training: true);
                var (loss, grads) = _loss.Compute(outputs, batch.Targets);
                if (!double.IsFinite(loss))
                    throw new TrainingDivergedException($"The training loss became {loss} at epoch {epoch + 1}, batch {b + 1}; lower the learning rate or check the inputs for NaN/Inf.");
                _network.BackwardAll(grads);
                _optimizer.Step();
                metrics.Add(loss, n, batch.Correct(outputs[0]));
                Report(epoch, b + 1, batches, metrics, epochClock, lr, false, null);
            }

            Evaluation? val = validation is null ? null : Evaluate(validation);
            history.Add(new EpochRecord(epoch + 1, metrics.Loss, metrics.Accuracy, val?.Loss, val?.Accuracy, lr, epochClock.Elapsed));
            Report(epoch, batches, batches, metrics, epochClock, lr, true, val);

            if (val is { } v)
            {
                if (v.Loss < bestLoss)
                {
                    bestLoss = v.Loss;
                    bestEpoch = epoch + 1;
                    badEpochs = 0;
                    if (_options.RestoreBestWeights) bestWeights = _network.Parameters.Select(p => p.Value.ToArray()).ToArray();
                }
                else if (_options.EarlyStoppingPatience is { } patience && ++badEpochs >= patience) stoppedEarly = true;
            }
            if (_options.CheckpointPath is { } path && ((epoch + 1) % _options.CheckpointEvery == 0 || epoch + 1 == _options.Epochs || stoppedEarly))
                SaveCheckpoint(path, epoch + 1, bestEpoch, badEpochs, bestLoss, bestWeights);
        }
        if (bestWeights is not null && _options.RestoreBestWeights)
            for (int i = 0; i < bestWeights.Length; i++) _network.Parameters[i].Value.CopyFrom(bestWeights[i]);
        return new TrainingResult(history, stoppedEarly, bestEpoch, clock.Elapsed);
    }

    /// <summary>Mean loss and accuracy of the first output in evaluation mode.</summary>
    public Evaluation Evaluate(IDataset data, int batchSize = 256)
    {
        CheckSamples(data, "evaluation");
        using var batch = new BatchBuffers(_network, data, batchSize);
        var metrics = new RunningMetrics();
        var indices = new int[batchSize];
        for (int start = 0; start < data.Count; start += batchSize)
        {
            int n = Math.Min(batchSize, data.Count - start);
            for (int i = 0; i < n; i++) indices[i] = start + i;
            batch.Load(data, indices.AsSpan(0, n), null, _options.Normalization, 0);
            var outputs = _network.ForwardAll(batch.Input, training: false);
            metrics.Add(_loss.Compute(outputs, batch.Targets).Loss, n, batch.Correct(outputs[0]));
        }
        return metrics.ToEvaluation();
    }

    private void Report(int epoch, int batch, int batches, RunningMetrics metrics, Stopwatch clock, float lr, bool done, Evaluation? val)
    {
        if (_options.Progress is null) return;
        double rate = metrics.Samples / Math.Max(1e-9, clock.Elapsed.TotalSeconds);
        double remainingBatches = (batches - batch) + (double)(_options.Epochs - epoch - 1) * batches;
        var eta = TimeSpan.FromSeconds(clock.Elapsed.TotalSeconds / Math.Max(1, batch) * remainingBatches);
        _options.Progress.Report(new TrainingProgress(epoch + 1, _options.Epochs, batch, batches, metrics.Loss, metrics.Accuracy, rate, eta, lr, done, val?.Loss, val?.Accuracy));
    }

    private (IDataset Train, IDataset Validation) Split(IDataset data)
    {
        var order = Enumerable.Range(0, data.Count).ToArray();
        new RandomStream(RandomStream.Combine(_options.Seed, 0x5EED)).Shuffle(order.AsSpan());
        int validationCount = Math.Max(1, (int)Math.Round(data.Count * _options.ValidationFraction));
        // Sorted, so that a streaming source is read front to back.
        int[] train = order[..^validationCount], validation = order[^validationCount..];
        Array.Sort(train);
        Array.Sort(validation);
        return (InMemoryDataset.Subset(data, train), InMemoryDataset.Subset(data, validation));
    }

    private void CheckSamples(IDataset data, string role)
    {
        if (data.SampleShape != _network.SampleShape)
            throw new ArgumentException($"The {role} samples have shape {data.SampleShape}, the network takes {_network.SampleShape}.");
        int expected = _network.OutputShapes[0].SpatialSize;
        if (data.LabelsPerSample != expected)
            throw new ArgumentException($"The {role} data has {data.LabelsPerSample} labels per sample, the network's first output needs {expected}.");
    }

    private void SaveCheckpoint(string path, int epochsDone, int bestEpoch, int badEpochs, double bestLoss, float[][]? bestWeights)
    {
        var tensors = _optimizer.State.Select(s => new NamedTensor("optimizer." + s.Name, s.Value.Shape, s.Value.ToArray())).ToList();
        if (bestWeights is not null)
            tensors.AddRange(_network.Parameters.Select((p, i) => new NamedTensor("best." + p.Name, p.Shape, bestWeights[i])));
        var metadata = new Dictionary<string, string>
        {
            ["epoch"] = epochsDone.ToString(CultureInfo.InvariantCulture),
            ["optimizer.steps"] = _optimizer.StepCount.ToString(CultureInfo.InvariantCulture),
            ["best.epoch"] = bestEpoch.ToString(CultureInfo.InvariantCulture),
            ["best.loss"] = bestLoss.ToString("R", CultureInfo.InvariantCulture),
            ["early_stopping.bad_epochs"] = badEpochs.ToString(CultureInfo.InvariantCulture),
        };
        ModelFile.Save(path, _network, new TrainingState(tensors, metadata));
    }

    private (int Epoch, int BestEpoch, int BadEpochs, double BestLoss, float[][]? BestWeights) Resume(string path)
    {
        var contents = ModelFile.Read(path);
        ModelFile.LoadWeights(_network, contents);
        var extra = new Dictionary<string, NamedTensor>();
        foreach (var t in contents.State.Tensors)
            if (!extra.TryAdd(t.Name, t)) throw new InvalidDataException($"Checkpoint '{path}' is corrupt: tensor '{t.Name}' is stored twice.");
        foreach (var (name, value) in _optimizer.State)
        {
            if (!extra.TryGetValue("optimizer." + name, out var saved) || saved.Shape != value.Shape)
                throw new InvalidDataException($"Checkpoint '{path}' has no optimizer state '{name}' {value.Shape}; was it written with another optimizer?");
            value.CopyFrom(saved.Values);
        }
        var meta = contents.State.Metadata;
        T Get<T>(string key) where T : ISpanParsable<T> =>
            !meta.TryGetValue(key, out var v) ? throw new InvalidDataException($"Checkpoint '{path}' has no '{key}' entry.")
            : T.TryParse(v, CultureInfo.InvariantCulture, out var parsed) ? parsed
            : throw new InvalidDataException($"Checkpoint '{path}' is corrupt: its '{key}' entry '{v}' is not a {typeof(T).Name}.");
        _optimizer.RestoreStepCount(Get<int>("optimizer.steps"));
        float[][]? best = null;
        if (extra.ContainsKey("best." + _network.Parameters[0].Name))
        {
            best = new float[_network.Parameters.Count][];
            for (int i = 0; i < best.Length; i++)
            {
                var p = _network.Parameters[i];
                if (!extra.TryGetValue("best." + p.Name, out var saved) || saved.Shape != p.Shape)
                    throw new InvalidDataException($"Checkpoint '{path}' is corrupt: the best weights lack '{p.Name}' {p.Shape}.");
                best[i] = saved.Values;
            }
        }
        return (Get<int>("epoch"), Get<int>("best.epoch"), Get<int>("early_stopping.bad_epochs"), Get<double>("best.loss"), best);
    }
}
