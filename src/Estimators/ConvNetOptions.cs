using MlNetConv.Backends;
using MlNetConv.Layers;
using MlNetConv.Optimizers;
using MlNetConv.Training;
using MlNetConv.Preprocessing;
using MlNetConv.Transforms;
using MlNetConv.Graphs;

namespace MlNetConv.Estimators;

/// <summary>What the ConvNet trainers share: network, optimisation, data handling, device and input columns; every member has a sensible default.</summary>
public abstract class ConvNetOptions
{
    /// <summary>ML.NET's default column names and the defaults of the options.</summary>
    public static class Defaults
    {
        public const string Label = "Label", Features = "Features", Score = "Score", PredictedLabel = "PredictedLabel", PredictedMask = "PredictedMask",
            ImagePath = "ImagePath";
        public const int Epochs = 10, BatchSize = 64, CheckpointEvery = 1;
        public const long MaxInMemoryBytes = 2L << 30;
    }

    /// <summary>The network: a zoo architecture (<c>Architectures.LeNet5()</c>) or one written with NetworkBuilder. It is copied, never built in place.</summary>
    public ILayer? Architecture { get; set; }

    /// <summary>
    /// A trained model to start from: its parameters whose names match the network's (e.g. a classifier's ResNet
    /// backbone in an FCN) are copied in before training; the rest keep their initialisation.
    /// </summary>
    public ConvNetModel? StartFrom { get; set; }

    /// <summary>
    /// Fine-tuning: a pretrained network (<c>PretrainedModels.ResNet18ImageNet()</c>, <c>PretrainedModel.FromOnnx(...)</c>, a
    /// model trained here) to start from. The classifier trains <see cref="PretrainedModel.WithHead"/>: the network through
    /// its feature node, then a new dense layer for the label's classes; the pretrained weights are copied in first and
    /// images are read as its preprocessing says (unless <see cref="ImagePreprocessing"/> is set). Leave
    /// <see cref="Architecture"/> unset.
    /// </summary>
    public PretrainedModel? Pretrained { get; set; }

    /// <summary>
    /// Freezes the parameters of the named node and of every node it depends on: they keep their values bit for bit and
    /// get no gradient. With <see cref="Pretrained"/>, <see cref="PretrainedModel.BackbonePart"/> freezes the whole backbone
    /// (the new head alone trains); a node of the pretrained network freezes it and what comes before it.
    /// </summary>
    public string? FreezeThrough { get; set; }

    /// <summary>With <see cref="Pretrained"/>: the factor on the learning rate of the backbone's parameters (e.g. 0.1); the head's is the optimizer's.</summary>
    public float BackboneLearningRateScale { get; set; } = 1f;

    /// <summary>
    /// Normalise with the running statistics in training too, and leave them as they are, in the BatchNorm layers of the
    /// backbone (with <see cref="Pretrained"/>) or of the whole network: for small batches or data unlike the pretraining's.
    /// </summary>
    public bool FreezeBatchNorm { get; set; }

    public int Epochs { get; set; } = Defaults.Epochs;
    public int BatchSize { get; set; } = Defaults.BatchSize;
    public OptimizerOptions Optimizer { get; set; } = new SgdOptions(0.01f, 0.9f);
    public ILearningRateSchedule? Schedule { get; set; }

    /// <summary>Seeds weights, shuffling and dropout; null draws one from the MLContext (reproducible when the MLContext has a seed).</summary>
    public int? Seed { get; set; }

    /// <summary>Held-out rows for validation (early stopping, best weights).</summary>
    public Microsoft.ML.IDataView? ValidationSet { get; set; }
    public float ValidationFraction { get; set; }
    public int? EarlyStoppingPatience { get; set; }

    /// <summary>Applied to training batches only.</summary>
    public IBatchAugmentation? Augmentation { get; set; }

    /// <summary>Applied to every input, in training and scoring, and saved with the model.</summary>
    public ChannelNormalization? Normalization { get; set; }

    /// <summary>
    /// How an image feature column becomes samples (channel order, offset, scale, normalisation; its size must be the
    /// column's). Null: R, G, B (or the grey plane for InputShape (1, H, W)) scaled to [0, 1]. Its normalisation, if any,
    /// is the model's (do not set <see cref="Normalization"/> as well).
    /// </summary>
    public ImagePreprocessing? ImagePreprocessing { get; set; }

    /// <summary>How images are read: <see cref="ImagePreprocessing"/>, else the pretrained network's, else the default (null).</summary>
    internal ImagePreprocessing? ImageReading => ImagePreprocessing ?? Pretrained?.Preprocessing;

    /// <summary>The network to train: <see cref="Architecture"/>, or the pretrained network with a new head, or <paramref name="otherwise"/>.</summary>
    internal ILayer Network(int classes, Func<ILayer> otherwise)
    {
        if (Architecture is not null && Pretrained is not null)
            throw new ArgumentException("ConvNet: set Architecture or Pretrained, not both (fine-tuning trains the pretrained network with a new head).");
        if (Pretrained is null && BackboneLearningRateScale != 1f)
            throw new ArgumentException("ConvNet: BackboneLearningRateScale needs a Pretrained network (its backbone's parameters are the ones scaled).");
        if (!(BackboneLearningRateScale >= 0) || float.IsPositiveInfinity(BackboneLearningRateScale))
            throw new ArgumentOutOfRangeException(nameof(BackboneLearningRateScale), BackboneLearningRateScale, "ConvNet: the backbone's learning-rate factor must be finite and at least 0.");
        return Architecture ?? Pretrained?.WithHead(classes) ?? otherwise();
    }

    /// <summary>The normalisation the model applies: <see cref="Normalization"/> or the image preprocessing's.</summary>
    internal ChannelNormalization? ModelNormalization(FeatureColumn features)
    {
        var fromImages = features.Image?.Normalization;
        if (Normalization is not null && fromImages is not null
            && !(Normalization.Mean.SequenceEqual(fromImages.Mean) && Normalization.Std.SequenceEqual(fromImages.Std)))
            throw new ArgumentException("ConvNet: Normalization and the ImagePreprocessing's normalisation differ; set it in one of them.");
        return Normalization ?? fromImages;
    }

    /// <summary>
    /// (C, H, W) of the feature vector when its column does not carry dimensions (e.g. a plain float vector); for an
    /// image column, (1, H, W) reads the R plane only (grey images) instead of R, G, B.
    /// </summary>
    public int[]? InputShape { get; set; }

    /// <summary>A text column holding each row's image path, quoted in errors about unreadable images (if the column exists).</summary>
    public string? ImagePathColumnName { get; set; } = Defaults.ImagePath;

    /// <summary>Where to train and score; null follows the MLContext: its GpuDeviceId (null = CPU) and FallbackToCpu.</summary>
    public Device? Device { get; set; }

    /// <summary>
    /// A backend to train and score on, created and disposed by the caller (e.g. <c>GpuBackend.CreateCpuAccelerator()</c>,
    /// or a GPU backend with non-default options); it wins over <see cref="Device"/>.
    /// </summary>
    public IBackend? Backend { get; set; }

    /// <summary>
    /// Data-parallel training over the ranks of an MPI job: start the same program with <c>mpirun -np N</c> (or Slurm's
    /// <c>srun</c>; Open MPI's libmpi.so.40 must be installed); each rank reads the same data and trains on its shard of
    /// every batch, the gradients are summed over the ranks, and every rank's Fit returns the same model. Only rank 0 logs
    /// and writes checkpoints; save the model on rank 0 alone (<c>MpiCommunicator.Current!.Rank == 0</c>). Without a
    /// launcher Fit throws, saying how to start one. The seed is rank 0's (see <see cref="Training.DistributedOptions"/>).
    /// </summary>
    public bool Distributed { get; set; }

    /// <summary>Every batch's progress (epoch, batch, loss, accuracy, samples/s); epoch summaries also go to MLContext.Log.</summary>
    public IProgress<TrainingProgress>? Progress { get; set; }

    /// <summary>
    /// Training samples are decoded into memory when they take at most this many bytes (4 per value); larger data is
    /// streamed from the IDataView every epoch through a cache of this size, in randomly chosen blocks of rows.
    /// </summary>
    public long MaxInMemoryBytes { get; set; } = Defaults.MaxInMemoryBytes;

    /// <summary>
    /// Stops training between two batches: a checkpoint of where it stood is written to <see cref="CheckpointPath"/>
    /// (when set), then Fit throws <see cref="TrainingInterruptedException"/> (an OperationCanceledException), naming it,
    /// and returns no model; <see cref="ResumeFrom"/> continues the run.
    /// </summary>
    public CancellationToken CancellationToken { get; set; }

    /// <summary>
    /// Where to write checkpoints (the engine's model file with the optimizer state and where training stands, written
    /// to a temporary file and renamed): every <see cref="CheckpointEvery"/> epochs and after the last, and when
    /// <see cref="CancellationToken"/> stops training.
    /// </summary>
    public string? CheckpointPath { get; set; }

    /// <summary>Epochs between checkpoints; null writes one only when training is cancelled.</summary>
    public int? CheckpointEvery { get; set; } = Defaults.CheckpointEvery;

    /// <summary>
    /// A checkpoint to continue from, written by a run of the same pipeline, training data, architecture, optimizer, seed
    /// and batch size (<see cref="Epochs"/> may be more): Fit then returns the model the uninterrupted run returns, with the
    /// same weights bit for bit. A missing, corrupt or mismatched checkpoint is an error naming the file.
    /// </summary>
    public string? ResumeFrom { get; set; }

    /// <summary>Skip bad rows (missing label, unreadable image, wrong size, non-finite values) and count them, instead of failing.</summary>
    public bool SkipBadRows { get; set; }

    public string LabelColumnName { get; set; } = Defaults.Label;
    public string FeatureColumnName { get; set; } = Defaults.Features;
    public string ScoreColumnName { get; set; } = Defaults.Score;
}
