using MlNetConv.Losses;
using MlNetConv.Optimizers;

namespace MlNetConv.Training;

/// <summary>How to train: epochs, mini-batches, optimizer and schedule, validation, early stopping, checkpoints and resuming.</summary>
public sealed record TrainerOptions
{
    public int Epochs { get; init; } = 10;
    public int BatchSize { get; init; } = 64;

    /// <summary>Seeds shuffling, the validation split and dropout; the network's weights have their own seed.</summary>
    public ulong Seed { get; init; }

    public OptimizerOptions Optimizer { get; init; } = new SgdOptions(0.01f, 0.9f);
    public ILearningRateSchedule? Schedule { get; init; }

    /// <summary>
    /// A factor on the (scheduled) learning rate by trainable parameter name, missing ones 1: fine-tuning a backbone
    /// slower than its new head, <c>network.ParametersThrough("layer4").ToDictionary(p => p.Name, _ => 0.1f)</c>. A factor
    /// of 0 leaves a weight where it is; freezing it (<see cref="Graphs.Network.Freeze"/>) also spares its gradient and
    /// optimizer state.
    /// </summary>
    public IReadOnlyDictionary<string, float>? LearningRateScales { get; init; }

    /// <summary>Loss per network output; null: softmax cross-entropy on a single output.</summary>
    public WeightedSumLoss? Loss { get; init; }

    /// <summary>Fraction of the training data held out for validation when no validation set is given.</summary>
    public float ValidationFraction { get; init; }

    /// <summary>Stop when the validation loss has not improved for this many epochs (null: never).</summary>
    public int? EarlyStoppingPatience { get; init; }

    /// <summary>Restore the weights of the best validation epoch when training ends (only with validation data).</summary>
    public bool RestoreBestWeights { get; init; } = true;

    /// <summary>
    /// Where checkpoints go (weights, optimizer state and where the run stands, written atomically): every
    /// <see cref="CheckpointEvery"/> epochs and after the last, and whenever training is cancelled.
    /// </summary>
    public string? CheckpointPath { get; init; }

    /// <summary>Epochs between checkpoints; null: a checkpoint only when training is cancelled.</summary>
    public int? CheckpointEvery { get; init; } = 1;

    /// <summary>
    /// A checkpoint to continue from, written by a run of the same network, optimizer, seed, batch size and training
    /// data; the run then ends with the weights the uninterrupted run ends with, bit for bit.
    /// </summary>
    public string? ResumeFrom { get; init; }

    public IProgress<TrainingProgress>? Progress { get; init; }

    /// <summary>Optional augmentation applied to each mini-batch's raw features in training (sample shape, batch, seed).</summary>
    public IBatchAugmentation? Augmentation { get; init; }

    /// <summary>Per-channel normalisation applied to every mini-batch after augmentation, in training and evaluation.</summary>
    public Preprocessing.ChannelNormalization? Normalization { get; init; }

    /// <summary>Data-parallel training over the ranks of an MPI job (see <see cref="DistributedOptions"/>); null: this process alone.</summary>
    public DistributedOptions? Distributed { get; init; }

    internal void Validate()
    {
        if (Epochs <= 0) throw new ArgumentException($"Epochs must be positive, got {Epochs}.");
        if (BatchSize <= 0) throw new ArgumentException($"Batch size must be positive, got {BatchSize}.");
        if (ValidationFraction is < 0f or >= 1f) throw new ArgumentException($"Validation fraction must be in [0, 1), got {ValidationFraction}.");
        if (EarlyStoppingPatience is <= 0) throw new ArgumentException($"Early-stopping patience must be positive, got {EarlyStoppingPatience}.");
        if (CheckpointEvery is <= 0) throw new ArgumentException($"Checkpoint interval must be positive, got {CheckpointEvery}.");
        Distributed?.Validate(BatchSize);
        foreach (var (name, scale) in LearningRateScales ?? new Dictionary<string, float>()) Optimizers.LearningRateScales.Check(name, scale);
    }
}

/// <summary>Changes a mini-batch of features in place during training (random crops, flips, noise). Must be deterministic given the seed.</summary>
public interface IBatchAugmentation
{
    /// <param name="features">batch × sample size values, planar (C, H, W) per sample</param>
    void Apply(Span<float> features, Tensors.Shape sampleShape, int batch, ulong seed);
}
