using System.Globalization;
using System.Text.Json.Nodes;
using MlNetConv.Graphs;
using MlNetConv.Optimizers;
using MlNetConv.Persistence;

namespace MlNetConv.Training;

/// <summary>
/// Where a training run stands, beyond its weights and optimizer state: epochs done, batches done of the next epoch
/// with their running metrics, and the early-stopping record (best epoch and loss, epochs without improvement, the
/// best weights). Saved as a <see cref="ModelFile"/> whose extra tensors are the optimizer state (and best weights)
/// and whose metadata holds the rest, with the seed, batch size, training rows and frozen parameters of the run, which
/// the run that resumes it must share: every random draw depends only on (seed, epoch, step), so it then ends
/// bit-identical.
/// </summary>
internal sealed class Checkpoint
{
    /// <summary>What a resumed run must share with the one that wrote the checkpoint.</summary>
    public readonly record struct Run(ulong Seed, int BatchSize, int TrainingRows);

    public int Epoch { get; set; }
    public int Batch { get; set; }
    public RunningMetrics Metrics { get; set; }
    public int BestEpoch { get; set; } = -1;
    public int BadEpochs { get; set; }
    public double BestLoss { get; set; } = double.PositiveInfinity;
    public float[][]? BestWeights { get; set; }

    public void Save(string path, Network network, IOptimizer optimizer, Run run)
    {
        var tensors = optimizer.State.Select(s => new NamedTensor("optimizer." + s.Name, s.Value.Shape, s.Value.ToArray())).ToList();
        if (BestWeights is not null)
            tensors.AddRange(network.Parameters.Select((p, i) => new NamedTensor("best." + p.Name, p.Shape, BestWeights[i])));
        var inv = CultureInfo.InvariantCulture;
        var metadata = new Dictionary<string, string>
        {
            ["epoch"] = Epoch.ToString(inv),
            ["batch"] = Batch.ToString(inv),
            ["epoch.loss_sum"] = Metrics.LossSum.ToString("R", inv),
            ["epoch.samples"] = Metrics.Samples.ToString(inv),
            ["epoch.hits"] = Metrics.Hits.ToString(inv),
            ["epoch.items"] = Metrics.Items.ToString(inv),
            ["optimizer.steps"] = optimizer.StepCount.ToString(inv),
            ["best.epoch"] = BestEpoch.ToString(inv),
            ["best.loss"] = BestLoss.ToString("R", inv),
            ["early_stopping.bad_epochs"] = BadEpochs.ToString(inv),
            ["run.seed"] = run.Seed.ToString(inv),
            ["run.batch_size"] = run.BatchSize.ToString(inv),
            ["run.training_rows"] = run.TrainingRows.ToString(inv),
            ["run.frozen"] = string.Join('\n', Frozen(network)),
        };
        ModelFile.Save(path, network, new TrainingState(tensors, metadata));
    }

    /// <summary>
    /// Reads the checkpoint at <paramref name="path"/> into <paramref name="network"/>'s weights and
    /// <paramref name="optimizer"/>'s state, and returns where its run stood. Every error names the file.
    /// </summary>
    /// <exception cref="FileNotFoundException">there is no such file</exception>
    /// <exception cref="InvalidDataException">the file is corrupt, not a checkpoint, or written for another network or optimizer</exception>
    /// <exception cref="ArgumentException">it was written by a run with another seed, batch size or number of training rows</exception>
    public static Checkpoint Load(string path, Network network, IOptimizer optimizer, Run run)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Checkpoint '{path}' does not exist.", path);
        ModelContents contents;
        try
        {
            contents = ModelFile.Read(File.ReadAllBytes(path));
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"Checkpoint '{path}' is not a readable checkpoint: {e.Message}", e);
        }
        if (contents.SampleShape != network.SampleShape)
            throw new InvalidDataException($"Checkpoint '{path}' was written for input {contents.SampleShape}, the network being trained takes {network.SampleShape}.");
        if (!JsonNode.DeepEquals(contents.Architecture, LayerRegistry.ToJson(network.Root)))
            throw new InvalidDataException($"Checkpoint '{path}' was written for another network: its architecture differs from the one being trained.");
        var meta = contents.State.Metadata;
        if (!meta.ContainsKey("epoch"))
            throw new InvalidDataException($"Checkpoint '{path}' holds no training state (it is a model file, not a checkpoint).");
        T Parse<T>(string key, string v) where T : ISpanParsable<T> => T.TryParse(v, CultureInfo.InvariantCulture, out var parsed) ? parsed
            : throw new InvalidDataException($"Checkpoint '{path}' is corrupt: its '{key}' entry '{v}' is not a {typeof(T).Name}.");
        T Get<T>(string key) where T : ISpanParsable<T> =>
            meta.TryGetValue(key, out var v) ? Parse<T>(key, v) : throw new InvalidDataException($"Checkpoint '{path}' has no '{key}' entry.");
        T GetOr<T>(string key, T absent) where T : ISpanParsable<T> => meta.TryGetValue(key, out var v) ? Parse<T>(key, v) : absent;

        // Checkpoints written before the run was recorded carry none of these; they resume unchecked.
        var written = new Run(GetOr("run.seed", run.Seed), GetOr("run.batch_size", run.BatchSize), GetOr("run.training_rows", run.TrainingRows));
        if (written != run)
            throw new ArgumentException($"Checkpoint '{path}' was written by a run with seed {written.Seed}, batch size {written.BatchSize} and {written.TrainingRows} training rows; "
                + $"this run has seed {run.Seed}, batch size {run.BatchSize} and {run.TrainingRows} rows. Resume with the settings and data it was written with.");

        if (meta.TryGetValue("run.frozen", out var frozenThen))
        {
            var then = frozenThen.Length == 0 ? [] : frozenThen.Split('\n');
            var now = Frozen(network);
            var differ = then.Except(now).Select(n => $"'{n}' was frozen and is not").Concat(now.Except(then).Select(n => $"'{n}' is frozen and was not")).ToArray();
            if (differ.Length > 0)
                throw new ArgumentException($"Checkpoint '{path}' was written by a run with {then.Length} frozen parameters, this run has {now.Length}: {differ[0]}"
                    + (differ.Length > 1 ? $" (and {differ.Length - 1} more)" : "") + ". Freeze what the run that wrote it froze.");
        }

        try
        {
            ModelFile.LoadWeights(network, contents);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"Checkpoint '{path}' does not fit the network being trained: {e.Message}", e);
        }
        var extra = new Dictionary<string, NamedTensor>();
        foreach (var t in contents.State.Tensors)
            if (!extra.TryAdd(t.Name, t)) throw new InvalidDataException($"Checkpoint '{path}' is corrupt: tensor '{t.Name}' is stored twice.");
        foreach (var (name, value) in optimizer.State)
        {
            if (!extra.TryGetValue("optimizer." + name, out var saved) || saved.Shape != value.Shape)
                throw new InvalidDataException($"Checkpoint '{path}' has no optimizer state '{name}' {value.Shape}; was it written with another optimizer?");
            value.CopyFrom(saved.Values);
        }
        optimizer.RestoreStepCount(Get<int>("optimizer.steps"));

        var checkpoint = new Checkpoint
        {
            Epoch = Get<int>("epoch"),
            Batch = GetOr("batch", 0),
            Metrics = new RunningMetrics(GetOr("epoch.loss_sum", 0.0), GetOr("epoch.samples", 0), GetOr("epoch.hits", 0L), GetOr("epoch.items", 0L)),
            BestEpoch = Get<int>("best.epoch"),
            BadEpochs = Get<int>("early_stopping.bad_epochs"),
            BestLoss = Get<double>("best.loss"),
        };
        int batches = (run.TrainingRows + run.BatchSize - 1) / run.BatchSize;
        if (checkpoint.Epoch < 0 || checkpoint.Batch < 0 || checkpoint.Batch >= batches)
            throw new InvalidDataException($"Checkpoint '{path}' is corrupt: epoch {checkpoint.Epoch}, batch {checkpoint.Batch} is no position of a run of {batches} batches an epoch.");
        if (extra.ContainsKey("best." + network.Parameters[0].Name))
        {
            var best = new float[network.Parameters.Count][];
            for (int i = 0; i < best.Length; i++)
            {
                var p = network.Parameters[i];
                if (!extra.TryGetValue("best." + p.Name, out var saved) || saved.Shape != p.Shape)
                    throw new InvalidDataException($"Checkpoint '{path}' is corrupt: the best weights lack '{p.Name}' {p.Shape}.");
                best[i] = saved.Values;
            }
            checkpoint.BestWeights = best;
        }
        return checkpoint;
    }

    private static string[] Frozen(Network network) => network.TrainableParameters.Where(p => p.Frozen).Select(p => p.Name).ToArray();
}
