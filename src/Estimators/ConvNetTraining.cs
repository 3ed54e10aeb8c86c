using Microsoft.ML;
using Microsoft.ML.Runtime;
using MlNetConv.Backends;
using MlNetConv.Distributed;
using MlNetConv.Graphs;
using MlNetConv.Layers;
using MlNetConv.Losses;
using MlNetConv.Persistence;
using MlNetConv.Training;
using MlNetConv.Transforms;
using MlNetConv.Zoo;

namespace MlNetConv.Estimators;

/// <summary>
/// The training run the ConvNet trainers share: reads the (checked) data, builds a copy of the architecture on the
/// chosen device, trains it with the engine's Trainer (checkpoints, resuming, cancellation included), and reports to
/// MLContext.Log and the progress callback.
/// </summary>
internal static class ConvNetTraining
{
    /// <param name="checkNetwork">returns a problem with the built network's output (e.g. the wrong class count), or null</param>
    public static Network Run(MLContext ml, ConvNetOptions o, IDataView input, FeatureColumn features, LabelColumn labels, ILayer architecture,
        Func<Network, string?> checkNetwork, ILoss? loss)
    {
        var host = ((IHostEnvironment)ml).Register("ConvNet");
        using var channel = host.Start("Training");
        var communicator = o.Distributed ? MpiCommunicator.Start() : null;
        // Every rank must shuffle alike: a seed drawn from an unseeded MLContext is rank 0's.
        int seed = communicator?.Broadcast(o.Seed ?? host.Rand.Next()) ?? o.Seed ?? host.Rand.Next();
        bool leads = communicator is null || communicator.Rank == 0;
        void Log(ChannelMessageKind kind, string message)
        {
            if (leads) ConvNetTraining.Log(channel, kind, message);
        }
        // Before the data is read: a mistyped path should not wait for it.
        if (o.ResumeFrom is { } checkpoint && !File.Exists(checkpoint)) throw new FileNotFoundException($"ConvNet: checkpoint '{checkpoint}' (ResumeFrom) does not exist.", checkpoint);
        IDataset? train = null, validation = null;
        try
        {
            int skipped;
            (train, skipped) = DataViewReader.Read(input, features, labels, o.SkipBadRows, "training", o.ImagePathColumnName, o.MaxInMemoryBytes);
            if (skipped > 0) Log(ChannelMessageKind.Warning, $"Skipped {skipped} bad training rows.");
            if (o.ValidationSet is not null)
            {
                (validation, skipped) = DataViewReader.Read(o.ValidationSet, features, labels, o.SkipBadRows, "validation", o.ImagePathColumnName, o.MaxInMemoryBytes);
                if (skipped > 0) Log(ChannelMessageKind.Warning, $"Skipped {skipped} bad validation rows.");
            }
            if (train.Count == 0) throw new InvalidOperationException("ConvNet: the training data has no usable rows.");

            var (backend, choice) = o.Backend is { } given
                ? (given, $"Device: {given.Name} (the backend given in the options).")
                : Devices.Create(o.Device ?? (ml.GpuDeviceId is { } gpu ? Device.Gpu(gpu) : Device.Cpu), ml.FallbackToCpu);
            Log(ChannelMessageKind.Info, choice);
            var network = new Network(Architectures.Clone(architecture), features.SampleShape, backend, (ulong)seed);
            if (checkNetwork(network) is { } problem) throw new InvalidOperationException($"ConvNet: {problem}");
            if (o.Pretrained is { } pretrained)
            {
                int copied = pretrained.CopyWeights(network, PretrainedModel.BackbonePart + ".");
                Log(ChannelMessageKind.Info, $"ConvNet: fine-tuning the {pretrained.Name}: {copied} of {network.Parameters.Count} parameter tensors copied.");
            }
            if (o.StartFrom is { } start)
            {
                using var source = ModelFile.FromBytes(start.Bytes.Span).Network;
                int copied = network.CopyMatchingParameters(source).Count;
                if (copied == 0) throw new InvalidOperationException("ConvNet: StartFrom shares no parameter names with the network.");
                Log(ChannelMessageKind.Info, $"ConvNet: started from {copied} of {network.Parameters.Count} parameter tensors of the given model.");
            }
            Log(ChannelMessageKind.Info,
                $"ConvNet: {network.ParameterCount} parameters, input {features.SampleShape}, output {network.OutputShapes[0]}, {train.Count} training rows{(train is StreamingDataset ? " (streamed)" : "")} on {network.Backend.Name}.");

            var scales = FineTune(o, network, leads ? channel : null);
            if (o.ResumeFrom is { } from) Log(ChannelMessageKind.Info, $"ConvNet: resuming the run of checkpoint '{from}'.");
            new Trainer(network, new TrainerOptions
            {
                Epochs = o.Epochs, BatchSize = o.BatchSize, Seed = (ulong)seed, Optimizer = o.Optimizer, Schedule = o.Schedule,
                ValidationFraction = validation is null ? o.ValidationFraction : 0, EarlyStoppingPatience = o.EarlyStoppingPatience,
                Augmentation = o.Augmentation, Normalization = o.ModelNormalization(features), Progress = new Progress(o.Progress, channel),
                Loss = loss is null ? null : WeightedSumLoss.Single(loss),
                CheckpointPath = o.CheckpointPath, CheckpointEvery = o.CheckpointEvery, ResumeFrom = o.ResumeFrom, LearningRateScales = scales,
                Distributed = communicator is null ? null : new DistributedOptions(communicator),
            }).Fit(train, validation, o.CancellationToken);
            return network;
        }
        finally
        {
            (train as IDisposable)?.Dispose();
            (validation as IDisposable)?.Dispose();
        }
    }

    /// <summary>Freezes parameters and BatchNorm statistics as the options say; returns the learning-rate factors of the backbone, if any.</summary>
    /// <param name="channel">where to log (null: not on this rank)</param>
    private static IReadOnlyDictionary<string, float>? FineTune(ConvNetOptions o, Network network, IChannel? channel)
    {
        string? backbone = o.Pretrained is null ? null : PretrainedModel.BackbonePart;
        if (o.FreezeThrough is { } node)
        {
            var frozen = network.Freeze(node);
            if (channel is not null) Log(channel, ChannelMessageKind.Info, $"ConvNet: {frozen.Count} parameter tensors frozen through '{node}'.");
        }
        if (o.FreezeBatchNorm) network.FreezeBatchNorm(backbone);
        if (backbone is null || o.BackboneLearningRateScale == 1f) return null;
        return network.ParametersThrough(backbone).ToDictionary(p => p.Name, _ => o.BackboneLearningRateScale);
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
