using System.Diagnostics;
using MlNetConv.Graphs;
using MlNetConv.Losses;
using MlNetConv.Optimizers;
using MlNetConv.Persistence;
using MlNetConv.Tensors;

namespace MlNetConv.Training;

/// <summary>
/// The training loop: seeded shuffling per epoch, mini-batches, optimizer and schedule, validation, early stopping,
/// progress, cancellation and checkpoints. Every random draw depends only on (seed, epoch, step), so a run resumed
/// from a checkpoint ends with the same weights as an uninterrupted one. The optimizer updates the network's
/// <see cref="Network.UpdatedParameters"/> as they are when the trainer is created: freeze first. With
/// <see cref="TrainerOptions.Distributed"/> it is one rank of a data-parallel job (see <see cref="DistributedOptions"/>).
/// </summary>
public sealed class Trainer
{
    private readonly Network _network;
    private readonly TrainerOptions _options;
    private readonly WeightedSumLoss _loss;
    private readonly IOptimizer _optimizer;
    private readonly DataParallel? _parallel;

    public Trainer(Network network, TrainerOptions options)
    {
        options.Validate();
        _network = network;
        _options = options;
        _loss = options.Loss ?? WeightedSumLoss.Single(new SoftmaxCrossEntropyLoss());
        if (_loss.Terms.Count != network.OutputCount)
            throw new ArgumentException($"The network has {network.OutputCount} outputs but the loss has {_loss.Terms.Count} terms.");
        var updated = network.UpdatedParameters;
        _optimizer = options.Optimizer.Create(updated, LearningRateScalesOf(network, options));
        if (options.Distributed is not null) _parallel = new DataParallel(network, updated, options, _loss);
    }

    /// <summary>Whether this process reports progress and writes checkpoints: always, but on rank 0 only in distributed training.</summary>
    private bool Leads => _parallel is null || _parallel.Rank == 0;

    /// <summary>The options' scales of the parameters being updated; every name must be a trainable parameter's.</summary>
    private static Dictionary<string, float>? LearningRateScalesOf(Network network, TrainerOptions options)
    {
        if (options.LearningRateScales is not { } scales) return null;
        var trainable = network.TrainableParameters.ToDictionary(p => p.Name);
        foreach (var name in scales.Keys)
            if (!trainable.ContainsKey(name))
                throw new ArgumentException($"The learning-rate scales name '{name}', which is no trainable parameter of the network.");
        return scales.Where(s => trainable[s.Key].Updated).ToDictionary();
    }

    public IOptimizer Optimizer => _optimizer;

    /// <summary>
    /// Trains, continuing the run of <see cref="TrainerOptions.ResumeFrom"/> when set. A cancelled token stops training
    /// between two steps: a checkpoint of where it stood is written to <see cref="TrainerOptions.CheckpointPath"/> (when
    /// set), then <see cref="TrainingInterruptedException"/> is thrown.
    /// </summary>
    /// <exception cref="TrainingInterruptedException">the token was cancelled</exception>
    public TrainingResult Fit(IDataset train, IDataset? validation = null, CancellationToken cancellationToken = default)
    {
        CheckSamples(train, "training");
        if (validation is null && _options.ValidationFraction > 0) (train, validation) = Split(train);
        if (validation is not null) CheckSamples(validation, "validation");
        if (train.Count == 0) throw new ArgumentException("The training set is empty.");

        var run = new Checkpoint.Run(_options.Seed, _options.BatchSize, train.Count);
        if (_options.CheckpointPath is { } target && Leads) AtomicFile.RemoveStaleTemporaries(target);
        var at = _options.ResumeFrom is { } from ? Checkpoint.Load(from, _network, _optimizer, run) : new Checkpoint();
        _parallel?.BroadcastWeights();
        if (at.Epoch > _options.Epochs)
            throw new ArgumentException($"Checkpoint '{_options.ResumeFrom}' has {at.Epoch} epochs done, more than the {_options.Epochs} epochs of this run.");

        var history = new List<EpochRecord>();
        int batches = (train.Count + _options.BatchSize - 1) / _options.BatchSize;
        var clock = Stopwatch.StartNew();
        bool stoppedEarly = false;
        using var batch = new BatchBuffers(_network, train, _options.BatchSize);
        for (int epoch = at.Epoch; epoch < _options.Epochs && !stoppedEarly; epoch++)
        {
            var epochClock = Stopwatch.StartNew();
            var order = Enumerable.Range(0, train.Count).ToArray();
            train.ShuffleEpoch(order, new RandomStream(RandomStream.Combine(_options.Seed, (ulong)epoch, 1)));
            var metrics = at.Metrics;
            var resumedAt = (Batch: at.Batch, metrics.Samples);
            float lr = _optimizer.LearningRate;
            for (int b = at.Batch; b < batches; b++)
            {
                if (_parallel?.AnyCancelled(cancellationToken) ?? cancellationToken.IsCancellationRequested)
                    throw Interrupted(at, b, batches, metrics, run, cancellationToken);
                int start = b * _options.BatchSize, n = Math.Min(_options.BatchSize, train.Count - start);
                long step = (long)epoch * batches + b;
                lr = _options.Schedule?.LearningRate(_options.Optimizer.LearningRate, epoch + (double)b / batches) ?? _options.Optimizer.LearningRate;
                _optimizer.LearningRate = lr;
                var (loss, correct) = _parallel?.Step(train, order.AsSpan(start, n), step, batch) ?? LocalStep(train, order.AsSpan(start, n), step, batch);
                if (!double.IsFinite(loss))
                    throw new TrainingDivergedException($"The training loss became {loss} at epoch {epoch + 1}, batch {b + 1}; lower the learning rate or check the inputs for NaN/Inf.");
                _optimizer.Step();
                metrics.Add(loss, n, correct);
                Report(epoch, b + 1, batches, resumedAt, metrics, epochClock, lr, false, null);
            }
            at.Epoch = epoch + 1;
            at.Batch = 0;
            at.Metrics = default;

            Evaluation? val = validation is null ? null : Evaluate(validation);
            history.Add(new EpochRecord(epoch + 1, metrics.Loss, metrics.Accuracy, val?.Loss, val?.Accuracy, lr, epochClock.Elapsed));
            Report(epoch, batches, batches, resumedAt, metrics, epochClock, lr, true, val);

            if (val is { } v)
            {
                if (v.Loss < at.BestLoss)
                {
                    at.BestLoss = v.Loss;
                    at.BestEpoch = epoch + 1;
                    at.BadEpochs = 0;
                    if (_options.RestoreBestWeights) at.BestWeights = _network.Parameters.Select(p => p.Value.ToArray()).ToArray();
                }
                else if (_options.EarlyStoppingPatience is { } patience && ++at.BadEpochs >= patience) stoppedEarly = true;
            }
            if (_options.CheckpointPath is { } path && Leads && _options.CheckpointEvery is { } every && ((epoch + 1) % every == 0 || epoch + 1 == _options.Epochs || stoppedEarly))
                at.Save(path, _network, _optimizer, run);
        }
        if (at.BestWeights is { } bestWeights && _options.RestoreBestWeights)
            for (int i = 0; i < bestWeights.Length; i++) _network.Parameters[i].Value.CopyFrom(bestWeights[i]);
        return new TrainingResult(history, stoppedEarly, at.BestEpoch, clock.Elapsed);
    }

    /// <summary>Forward and backward of a whole batch in this process; returns its mean loss and its labelled items predicted right.</summary>
    private (double Loss, (int Hits, int Items) Correct) LocalStep(IDataset train, ReadOnlySpan<int> indices, long step, BatchBuffers batch)
    {
        batch.Load(train, indices, _options.Augmentation, _options.Normalization, RandomStream.Combine(_options.Seed, (ulong)step, 2));
        _network.SetStepSeed(_options.Seed, step);
        _network.ZeroGrad();
        var outputs = _network.ForwardAll(batch.Input, training: true);
        var (loss, grads) = _loss.Compute(outputs, batch.Targets);
        if (!double.IsFinite(loss)) return (loss, default);
        _network.BackwardAll(grads);
        return (loss, batch.Correct(outputs[0]));
    }

    /// <summary>Stops between two steps: saves where the run stands (when there is a checkpoint path) and says so.</summary>
    private TrainingInterruptedException Interrupted(Checkpoint at, int batch, int batches, RunningMetrics metrics, Checkpoint.Run run, CancellationToken token)
    {
        string where = $"Training was cancelled in epoch {at.Epoch + 1} of {_options.Epochs} after batch {batch} of {batches}";
        if (_options.CheckpointPath is { } written && !Leads)
            return new TrainingInterruptedException(where + $"; rank 0 writes the checkpoint to '{Path.GetFullPath(written)}'.", Path.GetFullPath(written), at.Epoch + 1, batch, token);
        if (_options.CheckpointPath is not { } path)
            return new TrainingInterruptedException(where + "; no checkpoint path was set, so its progress is lost.", null, at.Epoch + 1, batch, token);
        at.Batch = batch;
        at.Metrics = metrics;
        at.Save(path, _network, _optimizer, run);
        string full = Path.GetFullPath(path);
        return new TrainingInterruptedException(where + $"; a checkpoint was written to '{full}'.", full, at.Epoch + 1, batch, token);
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

    /// <param name="resumedAt">the batch this epoch started at in this run and the samples done before it (of a resumed epoch)</param>
    private void Report(int epoch, int batch, int batches, (int Batch, int Samples) resumedAt, RunningMetrics metrics, Stopwatch clock, float lr, bool done, Evaluation? val)
    {
        if (_options.Progress is null || !Leads) return;
        double rate = (metrics.Samples - resumedAt.Samples) / Math.Max(1e-9, clock.Elapsed.TotalSeconds);
        double remainingBatches = (batches - batch) + (double)(_options.Epochs - epoch - 1) * batches;
        var eta = TimeSpan.FromSeconds(clock.Elapsed.TotalSeconds / Math.Max(1, batch - resumedAt.Batch) * remainingBatches);
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
}
