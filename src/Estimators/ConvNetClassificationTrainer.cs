using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Microsoft.ML.Transforms.Image;
using MlNetConv.Backends;
using MlNetConv.Graphs;
using MlNetConv.Tensors;
using MlNetConv.Training;
using MlNetConv.Zoo;

namespace MlNetConv.Estimators;

/// <summary>
/// Trains a convolutional network on a key label and a known-size float vector (e.g. from ExtractPixels, whose
/// dimensions give (C, H, W)), as one step of an ML.NET pipeline. A thin adapter over the engine's Trainer.
/// </summary>
public sealed class ConvNetClassificationTrainer : IEstimator<ConvNetClassificationTransformer>
{
    private readonly MLContext _ml;
    private readonly ConvNetClassificationOptions _options;

    public ConvNetClassificationTrainer(MLContext ml, ConvNetClassificationOptions options)
    {
        _ml = ml ?? throw new ArgumentNullException(nameof(ml));
        _options = options ?? throw new ArgumentNullException(nameof(options));
    }

    public ConvNetClassificationTransformer Fit(IDataView input)
    {
        var o = _options;
        var (features, classCount) = CheckSchema(input.Schema);
        var sampleShape = features.SampleShape;
        var host = ((IHostEnvironment)_ml).Register("ConvNet");
        using var channel = host.Start("Training");
        int seed = o.Seed ?? host.Rand.Next();
        var (train, skipped) = DataViewReader.Read(input, features, o.LabelColumnName, o.SkipBadRows, "training", o.ImagePathColumnName, o.MaxInMemoryBytes);
        if (skipped > 0) Log(channel, ChannelMessageKind.Warning, $"Skipped {skipped} bad training rows.");
        IDataset? validation = null;
        if (o.ValidationSet is not null)
        {
            var (validationFeatures, validationClasses) = CheckSchema(o.ValidationSet.Schema);
            if (validationFeatures.SampleShape != sampleShape || validationFeatures.IsImage != features.IsImage || validationClasses != classCount)
                throw new ArgumentOutOfRangeException(nameof(input), $"ConvNet: the validation set has input {validationFeatures.SampleShape} and {validationClasses} classes, the training set {sampleShape} and {classCount}.");
            (validation, skipped) = DataViewReader.Read(o.ValidationSet, features, o.LabelColumnName, o.SkipBadRows, "validation", o.ImagePathColumnName, o.MaxInMemoryBytes);
            if (skipped > 0) Log(channel, ChannelMessageKind.Warning, $"Skipped {skipped} bad validation rows.");
        }
        if (train.Count == 0) throw new InvalidOperationException("ConvNet: the training data has no usable rows.");

        var architecture = Architectures.Clone(o.Architecture ?? Architectures.LeNet5(sampleShape[^1], classCount));
        var (backend, choice) = o.Backend is { } given
            ? (given, $"Device: {given.Name} (the backend given in the options).")
            : Devices.Create(o.Device ?? (_ml.GpuDeviceId is { } gpu ? Device.Gpu(gpu) : Device.Cpu), _ml.FallbackToCpu);
        Log(channel, ChannelMessageKind.Info, choice);
        var network = new Network(architecture, sampleShape, backend, (ulong)seed);
        if (network.OutputShapes[0].Rank != 2 || network.OutputShapes[0][1] != classCount)
            throw new InvalidOperationException($"ConvNet: the network's output is {network.OutputShapes[0]}, but label column '{o.LabelColumnName}' has {classCount} classes: end the network with Dense({classCount}).");
        Log(channel, ChannelMessageKind.Info, $"ConvNet: {network.ParameterCount} parameters, input {sampleShape}, {classCount} classes, {train.Count} training rows on {network.Backend.Name}.");

        var progress = new Progress(o.Progress, channel);
        var trainer = new Trainer(network, new TrainerOptions
        {
            Epochs = o.Epochs, BatchSize = o.BatchSize, Seed = (ulong)seed, Optimizer = o.Optimizer, Schedule = o.Schedule,
            ValidationFraction = validation is null ? o.ValidationFraction : 0, EarlyStoppingPatience = o.EarlyStoppingPatience,
            Augmentation = o.Augmentation, Normalization = o.Normalization, Progress = progress,
        });
        try
        {
            trainer.Fit(train, validation);
        }
        finally
        {
            (train as IDisposable)?.Dispose();
            (validation as IDisposable)?.Dispose();
        }
        var labelAnnotations = input.Schema[o.LabelColumnName].Annotations;
        return new ConvNetClassificationTransformer(new ConvNetModel(network, o.Normalization), o.FeatureColumnName, features.IsImage,
            o.ScoreColumnName, o.PredictedLabelColumnName, labelAnnotations) { ImagePathColumnName = o.ImagePathColumnName };
    }

    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        var label = inputSchema.FirstOrDefault(c => c.Name == _options.LabelColumnName);
        if (label.Name is null) throw new ArgumentOutOfRangeException(nameof(inputSchema), $"ConvNet: label column '{_options.LabelColumnName}' not found.");
        if (!label.IsKey) throw new ArgumentOutOfRangeException(nameof(inputSchema), $"ConvNet: label column '{_options.LabelColumnName}' must be a key; add MapValueToKey(\"{_options.LabelColumnName}\") before the trainer.");
        var features = inputSchema.FirstOrDefault(c => c.Name == _options.FeatureColumnName);
        if (features.Name is null) throw new ArgumentOutOfRangeException(nameof(inputSchema), $"ConvNet: feature column '{_options.FeatureColumnName}' not found.");
        // ML.NET's own multiclass trainer declares exactly the Score/PredictedLabel columns this trainer adds; it
        // takes a float vector, so an image column is declared through the pixels ExtractPixels would give.
        const string pixels = "__mlnetconv_pixels";
        var trainers = _ml.MulticlassClassification.Trainers;
        var shape = features.ItemType is ImageDataViewType
            ? _ml.Transforms.ExtractPixels(pixels, _options.FeatureColumnName)
                .Append(trainers.NaiveBayes(_options.LabelColumnName, pixels))
                .Append(_ml.Transforms.DropColumns(pixels))
                .GetOutputSchema(inputSchema)
            : trainers.NaiveBayes(_options.LabelColumnName, _options.FeatureColumnName).GetOutputSchema(inputSchema);
        return _options.ScoreColumnName == ConvNetClassificationOptions.Defaults.Score && _options.PredictedLabelColumnName == ConvNetClassificationOptions.Defaults.PredictedLabel
            ? shape
            : _ml.Transforms.CopyColumns(_options.ScoreColumnName, ConvNetClassificationOptions.Defaults.Score)
                .Append(_ml.Transforms.CopyColumns(_options.PredictedLabelColumnName, ConvNetClassificationOptions.Defaults.PredictedLabel))
                .GetOutputSchema(shape);
    }

    private (FeatureColumn Features, int Classes) CheckSchema(DataViewSchema schema)
    {
        var o = _options;
        var features = FeatureColumn.Resolve(schema, o.FeatureColumnName, o.InputShape);
        var label = FeatureColumn.Find(schema, o.LabelColumnName, "label");
        if (label.Type is not KeyDataViewType key || key.RawType != typeof(uint))
            throw new ArgumentOutOfRangeException(nameof(schema), $"ConvNet: label column '{o.LabelColumnName}' must be a UInt32 key (add MapValueToKey), got {label.Type}.");
        if (key.Count < 2) throw new ArgumentOutOfRangeException(nameof(schema), $"ConvNet: label column '{o.LabelColumnName}' has {key.Count} classes; at least 2 are needed.");
        return (features, (int)key.Count);
    }

    private static void Log(IChannel channel, ChannelMessageKind kind, string message)
    {
        if (kind == ChannelMessageKind.Warning) channel.Warning(MessageSensitivity.None, message);
        else channel.Info(MessageSensitivity.None, message);
    }

    /// <summary>Forwards progress to the options callback and epoch summaries to MLContext.Log.</summary>
    private sealed class Progress(IProgress<TrainingProgress>? user, IChannel channel) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            user?.Report(value);
            if (value.EpochCompleted) Log(channel, ChannelMessageKind.Info, value.ToString());
        }
    }
}
