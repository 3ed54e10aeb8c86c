using System.CommandLine;
using System.CommandLine.Parsing;
using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;
using MlNetConv.Backends;
using MlNetConv.Cli.Data;
using MlNetConv.Distributed;
using MlNetConv.Estimators;
using MlNetConv.Layers;
using MlNetConv.Optimizers;
using MlNetConv.Preprocessing;
using MlNetConv.Summary;
using MlNetConv.Tensors;
using MlNetConv.Training;
using MlNetConv.Transforms;

namespace MlNetConv.Cli.Commands;

/// <summary>
/// <c>train ARCHITECTURE --data DATA --output model.zip [options]</c> (or <c>train --pretrained resnet18|FILE.onnx ...</c>, which
/// fine-tunes a pretrained network with a new head, see <see cref="PretrainedSource"/>): trains a zoo network through an ML.NET pipeline
/// (MapValueToKey, LoadImages and ResizeImages for image folders, the ConvNet trainer), saves the model with
/// <c>ml.Model.Save</c> (temporary file, then rename) and appends a line to the results file. Ctrl-C or SIGTERM stops
/// training after the current step, writes a checkpoint (<c>--checkpoint</c>, else <c>OUTPUT.checkpoint</c>) and exits
/// with 130 (SIGTERM: 143), printing the command line that resumes the run (<c>--resume</c>) to the same model.
/// </summary>
internal sealed class TrainCommand
{
    public sealed record Settings(
        string Architecture, DataSpec Data, string Output, int Epochs, int BatchSize, float LearningRate, float Momentum, int Seed,
        Shape? Input, ImageAugmentation? Augmentation, float ValidationFraction, DataSpec? Test, string? Results, BadFilePolicy OnBadFile, long MaxPixels, Device Device,
        string? Checkpoint = null, string? Resume = null, IReadOnlyList<string>? CommandLine = null, string? Pretrained = null, string? Freeze = null,
        float BackboneLearningRateScale = 1f, bool FreezeBatchNorm = false, string? History = null, bool Distributed = false)
    {
        /// <summary>Where the per-epoch history CSV goes: <c>--history</c>, else beside the output (<c>model.zip</c>: <c>model.history.csv</c>).</summary>
        public string HistoryPath => History ?? Path.ChangeExtension(Output, ".history.csv");

        /// <summary>Where an interrupted run writes its checkpoint: <c>--checkpoint</c>, else beside the output.</summary>
        public string CheckpointPath => Checkpoint ?? Output + ".checkpoint";
    }

    /// <summary>The console; <see cref="CliConsole.Quiet"/> on the ranks of a distributed run other than 0.</summary>
    private CliConsole _console;
    private readonly Interruption _interruption;
    private readonly Argument<string?> _architecture = new("architecture")
    {
        Description = "A zoo network: " + string.Join(", ", ZooModels.All.Select(m => m.Name)) + " (or --pretrained instead)",
        Arity = ArgumentArity.ZeroOrOne,
    };
    private readonly Option<string?> _pretrained = new("--pretrained")
    {
        Description = "Fine-tune a pretrained network with a new classifier head instead of training a zoo network: resnet18 (the ImageNet ResNet-18 of the "
            + "NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18, at --input's size, default 3x224x224) or FILE.onnx (read with ImageNet's normalisation)",
        HelpName = "resnet18|FILE.onnx",
    };
    private readonly Option<string?> _freeze = new("--freeze")
    {
        Description = "With --pretrained: keep the parameters of this node and of every node before it unchanged; 'backbone' trains the new head alone",
        HelpName = "NODE|backbone",
    };
    private readonly Option<float> _backboneLearningRate = new("--backbone-lr-scale")
    {
        Description = "With --pretrained: the factor on the pretrained part's learning rate (the head's is --lr)",
        HelpName = "F",
        DefaultValueFactory = _ => 1f,
        Validators = { r => { if (r.GetValueOrDefault<float>() is var f && !(f >= 0 && float.IsFinite(f))) r.AddError($"--backbone-lr-scale must be finite and at least 0, got {f}."); } },
    };
    private readonly Option<bool> _freezeBatchNorm = new("--freeze-batchnorm")
    {
        Description = "Normalise with the running statistics in training too and keep them (the pretrained part's BatchNorm layers, or all)",
    };
    private readonly Option<DataSpec> _data = CliOptions.Data("Training data: an image folder with one sub-folder per class, or idx:IMAGES,LABELS (IDX files, plain or gzip)", required: true);
    private readonly Option<string> _output = new("--output", "-o") { Description = "Where to save the ML.NET model zip", HelpName = "model.zip", Required = true };
    private readonly Option<int> _epochs = new("--epochs") { Description = "Passes over the training data", HelpName = "N", DefaultValueFactory = _ => 10 };
    private readonly Option<int> _batchSize = CliOptions.BatchSize(64, "Samples per mini-batch");
    private readonly Option<float> _learningRate = new("--lr") { Description = "SGD learning rate", HelpName = "RATE", DefaultValueFactory = _ => 0.01f };
    private readonly Option<float> _momentum = new("--momentum") { Description = "SGD momentum", HelpName = "M", DefaultValueFactory = _ => 0.9f };
    private readonly Option<int> _seed = new("--seed") { Description = "Seeds weights, shuffling, the validation split and augmentation", DefaultValueFactory = _ => 1 };
    private readonly Option<Shape?> _input = CliOptions.Input("Sample shape images are resized to, C = 1 (grey) or 3 (RGB) (default: the architecture's; for IDX data the files' own)");
    private readonly Option<ImageAugmentation?> _augment = new("--augment")
    {
        Description = "Training augmentation: " + AugmentationSpec.Help,
        HelpName = "SETTINGS",
        Arity = ArgumentArity.OneOrMore,
        CustomParser = r =>
        {
            try
            {
                return AugmentationSpec.Parse(r.Tokens.Select(t => t.Value));
            }
            catch (FormatException e)
            {
                r.AddError(e.Message);
                return null;
            }
        },
    };
    private readonly Option<float> _validationFraction = new("--validation-fraction")
    {
        Description = "Fraction of the training data held out for validation (best weights are kept; the accuracy recorded is on it)",
        HelpName = "F",
        DefaultValueFactory = _ => 0f,
        Validators = { r => { if (r.GetValueOrDefault<float>() is < 0f or >= 1f) r.AddError($"--validation-fraction must be in [0, 1), got {r.GetValueOrDefault<float>()}."); } },
    };
    private readonly Option<DataSpec?> _test = new("--test")
    {
        Description = "Test data (folder or idx:IMAGES,LABELS), evaluated after training: the accuracy recorded is on it",
        HelpName = "folder | idx:IMAGES,LABELS",
        CustomParser = r =>
        {
            try
            {
                return DataSpec.Parse(r.Tokens[0].Value);
            }
            catch (FormatException e)
            {
                r.AddError(e.Message.Replace("--data", "--test"));
                return null;
            }
        },
    };
    private readonly Option<string?> _history = new("--history")
    {
        Description = "Write the per-epoch history (" + string.Join(",", Plots.TrainingHistoryCsv.Columns) + ") to this CSV file, which 'mlnetconv plot curves' "
            + "draws (default: beside the model, model.history.csv for model.zip; a resumed run writes the epochs it ran)",
        HelpName = "FILE.csv",
    };
    private readonly Option<string?> _results = new("--results") { Description = "Results file to append to (default: results.jsonl beside the model)", HelpName = "FILE" };
    private readonly Option<BadFilePolicy> _onBadFile = CliOptions.OnBadFile(BadFilePolicy.Fail,
        "A bad training or test image (truncated, corrupt, over the pixel limit): fail (exit 1, naming them) or skip it (every image is decoded once beforehand)");
    private readonly Option<double> _maxMegapixels = CliOptions.MaxMegapixels();
    private readonly Option<Device> _device = CliOptions.Device();
    private readonly Option<string?> _checkpoint = new("--checkpoint")
    {
        Description = "Write a checkpoint (weights, optimizer state, position) to FILE after every epoch, and when Ctrl-C or SIGTERM stops training "
            + "(without it, an interrupted run writes OUTPUT.checkpoint, removed once the model is saved)",
        HelpName = "FILE",
    };
    private readonly Option<bool> _distributed = CliOptions.Distributed(
        "Train data-parallel as one rank of an MPI job ('mpirun -np N mlnetconv train … --distributed', or srun): each rank trains on its shard of every "
        + "batch and the gradients are summed (Open MPI's libmpi.so.40); rank 0 alone prints, writes checkpoints and saves the model");
    private readonly Option<string?> _resume = new("--resume")
    {
        Description = "Continue the run a checkpoint was written by (same architecture, data, seed, batch size, learning rate and momentum; more --epochs "
            + "are allowed): the model is the one the uninterrupted run saves",
        HelpName = "FILE",
    };

    public TrainCommand(CliConsole console, Interruption interruption)
    {
        _console = console;
        _interruption = interruption;
        _epochs.Validators.Add(r => { if (r.GetValueOrDefault<int>() <= 0) r.AddError($"--epochs must be positive, got {r.GetValueOrDefault<int>()}."); });
        _learningRate.Validators.Add(r => { if (!(r.GetValueOrDefault<float>() > 0)) r.AddError($"--lr must be positive, got {r.GetValueOrDefault<float>()}."); });
        _momentum.Validators.Add(r => { if (r.GetValueOrDefault<float>() is < 0f or >= 1f) r.AddError($"--momentum must be in [0, 1), got {r.GetValueOrDefault<float>()}."); });
        Command = new Command("train", "Train a zoo network on an image folder or IDX files (or fine-tune a pretrained one, --pretrained) through an ML.NET pipeline and save the model. "
            + $"Ctrl-C (SIGINT) or SIGTERM stops after the current step, writes a checkpoint and exits with {ExitCodes.Interrupted} (SIGTERM: {ExitCodes.Terminated}), "
            + "printing the command line that resumes the run")
        {
            _architecture, _data, _output, _epochs, _batchSize, _learningRate, _momentum, _seed, _input, _augment, _validationFraction, _test, _results,
            _onBadFile, _maxMegapixels, _device, _checkpoint, _resume, _pretrained, _freeze, _backboneLearningRate, _freezeBatchNorm, _history,
            _distributed,
        };
        Command.SetAction(p => Run(Bind(p)));
    }

    public Command Command { get; }

    /// <summary>Called after every training step with its progress (tests interrupt a run at a chosen step through it).</summary>
    public Action<TrainingProgress>? AfterStep { get; set; }

    public Settings Bind(ParseResult p) => new(
        p.GetValue(_architecture) ?? "", p.GetRequiredValue(_data), p.GetRequiredValue(_output), p.GetValue(_epochs), p.GetValue(_batchSize),
        p.GetValue(_learningRate), p.GetValue(_momentum), p.GetValue(_seed), p.GetValue(_input), p.GetValue(_augment), p.GetValue(_validationFraction),
        p.GetValue(_test), p.GetValue(_results), p.GetValue(_onBadFile), CliOptions.Pixels(p.GetValue(_maxMegapixels)), p.GetValue(_device),
        p.GetValue(_checkpoint), p.GetValue(_resume), WithoutResume(p), p.GetValue(_pretrained), p.GetValue(_freeze), p.GetValue(_backboneLearningRate),
        p.GetValue(_freezeBatchNorm), p.GetValue(_history), p.GetValue(_distributed));

    /// <summary>The words of the command line as given, less any <c>--resume FILE</c>.</summary>
    private IReadOnlyList<string> WithoutResume(ParseResult p)
    {
        var words = new List<string>();
        for (int i = 0; i < p.Tokens.Count; i++)
        {
            var token = p.Tokens[i];
            if (token.Type == TokenType.Option && token.Value == _resume.Name) i++;
            else words.Add(token.Value);
        }
        return words;
    }

    public int Run(Settings s)
    {
        var clock = Stopwatch.StartNew();
        bool leads = !s.Distributed || MpiCommunicator.Start().Rank == 0;
        if (!leads) _console = CliConsole.Quiet;
        if (s.Checkpoint is { } checkpoint && Path.GetFullPath(checkpoint) == Path.GetFullPath(s.Output))
            throw new CliException("--checkpoint must name another file than --output.", ExitCodes.Usage);
        if (s.Resume is { } resume && !File.Exists(resume)) throw new CliException($"checkpoint '{resume}' (--resume) does not exist.");
        if ((s.Architecture.Length > 0) == (s.Pretrained is not null))
            throw new CliException("give a zoo architecture or --pretrained, one of them.", ExitCodes.Usage);
        if (s.Pretrained is null && (s.Freeze is not null || s.BackboneLearningRateScale != 1f))
            throw new CliException("--freeze and --backbone-lr-scale go with --pretrained.", ExitCodes.Usage);
        var zoo = s.Pretrained is null ? ZooModels.Find(s.Architecture) : null;
        var pretrained = s.Pretrained is { } source ? PretrainedSource.Load(source, s.Input) : null;
        var ml = new MLContext(s.Seed);
        var data = DataLoader.Load(ml, s.Data, _console);
        if (pretrained is not null && data.IsPixels)
            throw new CliException("--pretrained fine-tunes on image folders (RGB images); IDX files hold grey pixels.", ExitCodes.Usage);
        data = DataLoader.CheckImages(ml, data, s.OnBadFile, s.MaxPixels, _console);
        var input = pretrained?.Preprocessing!.SampleShape ?? s.Input ?? data.PixelShape ?? zoo!.DefaultInput;
        if (data.PixelShape is { } pixels && pixels != input)
            throw new CliException($"the IDX images are {ZooModel.FormatShape(pixels)}; --input must match them (or be left out), got {ZooModel.FormatShape(input)}.", ExitCodes.Usage);
        if (input[0] is not (1 or 3))
            throw new CliException($"--input must have 1 (grey) or 3 (RGB) channels, got {ZooModel.FormatShape(input)}.", ExitCodes.Usage);
        if (s.Augmentation is { PcaLighting: > 0 } && input[0] != 3)
            throw new CliException("--augment lighting needs RGB input (3 channels).", ExitCodes.Usage);
        int classes = data.Labels.Count;
        if (classes < 2) throw new CliException($"the training data '{data.Source}' has {classes} class; at least 2 are needed.");
        var architecture = pretrained?.WithHead(classes) ?? zoo!.For(input, classes);
        ModelSummary summary = zoo is null ? ModelSummary.Of(architecture, input) : SummaryCommand.Of(zoo, input, classes);
        string name = zoo?.Name ?? $"{pretrained!.Name} with a new head";
        _console.Out.WriteLine($"{name}: {summary.TotalParameters.ToString("N0", CultureInfo.InvariantCulture)} parameters, input {ZooModel.FormatShape(input)}, "
            + $"{classes} classes, {data.Count} rows from '{data.Source}'");

        (ITransformer Model, List<EpochRecord> Epochs) model;
        try
        {
            model = Train(s, ml, data, input, architecture, pretrained);
        }
        catch (TrainingInterruptedException e)
        {
            return Interrupted(s, e);
        }
        if (!leads) return ExitCodes.Ok;

        long bytes = CliModel.Save(ml, model.Model, s.Output);
        _console.Out.WriteLine($"saved {s.Output} ({bytes / 1024.0:F0} KiB)");
        if (s.Checkpoint is null && File.Exists(s.CheckpointPath))
        {
            File.Delete(s.CheckpointPath);
            _console.Out.WriteLine($"removed the checkpoint {s.CheckpointPath}: the model is saved");
        }

        Plots.TrainingHistoryCsv.Write(s.HistoryPath, model.Epochs);
        _console.Out.WriteLine($"history of {model.Epochs.Count} epochs written to {s.HistoryPath}");

        var (accuracy, on) = Accuracy(ml, s, model.Epochs);
        clock.Stop();
        string results = s.Results ?? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(s.Output)) ?? ".", "results.jsonl");
        ResultsFile.Append(results, new TrainingRecord(zoo?.Name ?? $"pretrained:{s.Pretrained}", ZooModel.FormatShape(input), classes, summary.TotalParameters, summary.TotalMultiplyAccumulates,
            accuracy, on, s.Epochs, Math.Round(clock.Elapsed.TotalSeconds, 2), data.Count, s.Data.ToString()!, Path.GetFullPath(s.Output), DateTimeOffset.UtcNow));
        _console.Out.WriteLine($"results appended to {results}");
        _console.Out.WriteLine($"wall time: {clock.Elapsed.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture)} s");
        _console.Out.WriteLine($"accuracy: {accuracy.ToString("F4", CultureInfo.InvariantCulture)} ({on})");
        return ExitCodes.Ok;
    }

    /// <summary>Fits the pipeline (with Ctrl-C and SIGTERM handled) and returns the chain to save with the epochs' progress.</summary>
    private (ITransformer Model, List<EpochRecord> Epochs) Train(Settings s, MLContext ml, LabeledData data, Shape input, ILayer architecture,
        Transforms.PretrainedModel? pretrained) =>
        ProgressBars.Run(_console, bars =>
        {
            var reporter = new EpochReporter(bars, _console, data.Count, AfterStep);
            var image = pretrained?.Preprocessing ?? ImagePreprocessing.Default(input);
            var options = new ConvNetClassificationOptions
            {
                // The trainer gets the pixels as a vector (the image steps come before it): the normalisation is given here.
                Architecture = pretrained is null ? architecture : null,
                Pretrained = pretrained,
                Normalization = image.Normalization,
                FreezeThrough = s.Freeze,
                BackboneLearningRateScale = s.BackboneLearningRateScale,
                FreezeBatchNorm = s.FreezeBatchNorm,
                Epochs = s.Epochs,
                BatchSize = s.BatchSize,
                Optimizer = new SgdOptions(s.LearningRate, s.Momentum),
                Seed = s.Seed,
                ValidationFraction = s.ValidationFraction,
                Augmentation = s.Augmentation,
                FeatureColumnName = CliModel.Features,
                ImagePathColumnName = CliModel.ImagePath,
                Device = s.Device,
                Progress = reporter,
                CheckpointPath = s.CheckpointPath,
                CheckpointEvery = s.Checkpoint is null ? null : 1,
                ResumeFrom = s.Resume,
                CancellationToken = _interruption.Token,
                Distributed = s.Distributed,
            };
            IEstimator<ITransformer> pipeline = ml.Transforms.Conversion.MapValueToKey(CliModel.Label, keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue);
            if (!data.IsPixels) pipeline = pipeline.Append(CliModel.ImageSteps(ml, image));
            pipeline = pipeline.Append(ml.MulticlassClassification.Trainers.ConvNet(ml, options))
                .Append(ml.Transforms.Conversion.MapKeyToValue(CliModel.PredictedLabel));
            try
            {
                var fitted = (IEnumerable<ITransformer>)_interruption.Listening(_console, "stopping after the current training step to write a checkpoint",
                    () => data.NamingBadImages(() => pipeline.Fit(data.View)));
                // A model trained on pixels is saved with the image steps after the label mapping, so it scores image files too.
                var steps = CliModel.Flatten(fitted).ToList();
                if (data.IsPixels) steps.InsertRange(1, CliModel.FittedImageSteps(ml, image));
                return ((ITransformer)new TransformerChain<ITransformer>([.. steps]), reporter.Epochs);
            }
            finally
            {
                reporter.Finish();
            }
        });

    /// <summary>Says where the checkpoint is and the command line that resumes the run; exits 130 (SIGINT) or 143 (SIGTERM).</summary>
    private int Interrupted(Settings s, TrainingInterruptedException e)
    {
        string signal = Interruption.Name(_interruption.Signal);
        _console.Error.WriteLine($"stopped by {signal}: {char.ToLowerInvariant(e.Message[0])}{e.Message[1..]}");
        if (e.CheckpointPath is { } checkpoint)
            _console.Error.WriteLine("resume with: " + ShellWords.Join(["mlnetconv", .. s.CommandLine ?? [], "--resume", checkpoint]));
        return _interruption.ExitCode;
    }

    /// <summary>
    /// On the test data when given (through the saved model, as <c>evaluate</c> would); else on the validation split, at
    /// the epoch whose weights were kept (the lowest validation loss); else the last epoch's training accuracy.
    /// </summary>
    private (double Accuracy, string On) Accuracy(MLContext ml, Settings s, IReadOnlyList<EpochRecord> epochs)
    {
        if (s.Test is { } test)
        {
            var model = CliModel.Load(ml, s.Output, s.Device, batchSize: null);
            var data = DataLoader.CheckImages(ml, DataLoader.Load(ml, test, _console), s.OnBadFile, s.MaxPixels, _console);
            var metrics = data.NamingBadImages(() => ml.MulticlassClassification.Evaluate(model.Transform(data), CliModel.Label, CliModel.Score, CliModel.PredictedLabel));
            return (metrics.MicroAccuracy, "test");
        }
        if (epochs.Count == 0) return (double.NaN, "none");
        return epochs.Where(e => e.ValidationLoss is not null).MinBy(e => e.ValidationLoss) is { ValidationAccuracy: { } validation }
            ? (validation, "validation")
            : (epochs[^1].Accuracy, "training");
    }

    /// <summary>One progress bar per epoch (loss, accuracy, samples/s); without a terminal, one log line per epoch.</summary>
    private sealed class EpochReporter : IProgress<TrainingProgress>
    {
        private readonly ProgressBars _bars;
        private readonly CliConsole _console;
        private readonly Action<TrainingProgress>? _afterStep;
        private Spectre.Console.ProgressTask? _reading, _epoch;
        private int _epochNumber;
        private readonly Stopwatch _clock = Stopwatch.StartNew();

        public EpochReporter(ProgressBars bars, CliConsole console, int rows, Action<TrainingProgress>? afterStep)
        {
            _bars = bars;
            _console = console;
            _afterStep = afterStep;
            _reading = bars.Add($"reading {rows} rows", 1);
            _reading?.IsIndeterminate = true;
        }

        /// <summary>The completed epochs, each with its wall time.</summary>
        public List<EpochRecord> Epochs { get; } = [];

        public void Report(TrainingProgress p)
        {
            if (_reading is not null)
            {
                _reading.IsIndeterminate = false;
                _reading.Value = 1;
                _reading.StopTask();
                _reading = null;
                _clock.Restart();
            }
            if (p.Epoch != _epochNumber)
            {
                _epoch?.StopTask();
                _epoch = _bars.Add($"epoch {p.Epoch}/{p.Epochs}", p.Batches);
                _epochNumber = p.Epoch;
            }
            if (_epoch is not null)
            {
                _epoch.Value = p.Batch;
                ProgressBars.Describe(_epoch, Describe(p));
            }
            if (p.EpochCompleted)
            {
                Epochs.Add(new EpochRecord(p.Epoch, p.Loss, p.Accuracy, p.ValidationLoss, p.ValidationAccuracy, p.LearningRate, _clock.Elapsed));
                _clock.Restart();
                if (!_bars.Visible) _console.Error.WriteLine(Describe(p));
            }
            else _afterStep?.Invoke(p);
        }

        public void Finish() => _epoch?.StopTask();

        private static string Describe(TrainingProgress p)
        {
            var inv = CultureInfo.InvariantCulture;
            string text = $"epoch {p.Epoch}/{p.Epochs}  loss {p.Loss.ToString("F4", inv)}  acc {p.Accuracy.ToString("F4", inv)}";
            if (p.ValidationAccuracy is { } va) text += $"  val_loss {p.ValidationLoss!.Value.ToString("F4", inv)}  val_acc {va.ToString("F4", inv)}";
            return text + $"  {p.SamplesPerSecond.ToString("F0", inv)} samples/s";
        }
    }
}
