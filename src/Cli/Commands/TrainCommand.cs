using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;
using MlNetConv.Backends;
using MlNetConv.Cli.Data;
using MlNetConv.Estimators;
using MlNetConv.Optimizers;
using MlNetConv.Preprocessing;
using MlNetConv.Summary;
using MlNetConv.Tensors;
using MlNetConv.Training;

namespace MlNetConv.Cli.Commands;

/// <summary>
/// <c>train ARCHITECTURE --data DATA --output model.zip [options]</c>: trains a zoo network through an ML.NET pipeline
/// (MapValueToKey, LoadImages and ResizeImages for image folders, the ConvNet trainer), saves the model with
/// <c>ml.Model.Save</c> (temporary file, then rename) and appends a line to the results file.
/// </summary>
internal sealed class TrainCommand
{
    public sealed record Settings(
        string Architecture, DataSpec Data, string Output, int Epochs, int BatchSize, float LearningRate, float Momentum, int Seed,
        Shape? Input, ImageAugmentation? Augmentation, float ValidationFraction, DataSpec? Test, string? Results, BadFilePolicy OnBadFile, long MaxPixels, Device Device);

    private readonly CliConsole _console;
    private readonly Argument<string> _architecture = new("architecture") { Description = "A zoo network: " + string.Join(", ", ZooModels.All.Select(m => m.Name)) };
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
    private readonly Option<string?> _results = new("--results") { Description = "Results file to append to (default: results.jsonl beside the model)", HelpName = "FILE" };
    private readonly Option<BadFilePolicy> _onBadFile = CliOptions.OnBadFile(BadFilePolicy.Fail,
        "A bad training or test image (truncated, corrupt, over the pixel limit): fail (exit 1, naming them) or skip it (every image is decoded once beforehand)");
    private readonly Option<double> _maxMegapixels = CliOptions.MaxMegapixels();
    private readonly Option<Device> _device = CliOptions.Device();

    public TrainCommand(CliConsole console)
    {
        _console = console;
        _epochs.Validators.Add(r => { if (r.GetValueOrDefault<int>() <= 0) r.AddError($"--epochs must be positive, got {r.GetValueOrDefault<int>()}."); });
        _learningRate.Validators.Add(r => { if (!(r.GetValueOrDefault<float>() > 0)) r.AddError($"--lr must be positive, got {r.GetValueOrDefault<float>()}."); });
        _momentum.Validators.Add(r => { if (r.GetValueOrDefault<float>() is < 0f or >= 1f) r.AddError($"--momentum must be in [0, 1), got {r.GetValueOrDefault<float>()}."); });
        Command = new Command("train", "Train a zoo network on an image folder or IDX files through an ML.NET pipeline and save the model")
        {
            _architecture, _data, _output, _epochs, _batchSize, _learningRate, _momentum, _seed, _input, _augment, _validationFraction, _test, _results,
            _onBadFile, _maxMegapixels, _device,
        };
        Command.SetAction(p => Run(Bind(p)));
    }

    public Command Command { get; }

    public Settings Bind(ParseResult p) => new(
        p.GetRequiredValue(_architecture), p.GetRequiredValue(_data), p.GetRequiredValue(_output), p.GetValue(_epochs), p.GetValue(_batchSize),
        p.GetValue(_learningRate), p.GetValue(_momentum), p.GetValue(_seed), p.GetValue(_input), p.GetValue(_augment), p.GetValue(_validationFraction),
        p.GetValue(_test), p.GetValue(_results), p.GetValue(_onBadFile), CliOptions.Pixels(p.GetValue(_maxMegapixels)), p.GetValue(_device));

    public int Run(Settings s)
    {
        var clock = Stopwatch.StartNew();
        var zoo = ZooModels.Find(s.Architecture);
        var ml = new MLContext(s.Seed);
        var data = DataLoader.Load(ml, s.Data, _console);
        data = DataLoader.CheckImages(ml, data, s.OnBadFile, s.MaxPixels, _console);
        var input = s.Input ?? data.PixelShape ?? zoo.DefaultInput;
        if (data.PixelShape is { } pixels && pixels != input)
            throw new CliException($"the IDX images are {ZooModel.FormatShape(pixels)}; --input must match them (or be left out), got {ZooModel.FormatShape(input)}.", ExitCodes.Usage);
        if (input[0] is not (1 or 3))
            throw new CliException($"--input must have 1 (grey) or 3 (RGB) channels, got {ZooModel.FormatShape(input)}.", ExitCodes.Usage);
        if (s.Augmentation is { PcaLighting: > 0 } && input[0] != 3)
            throw new CliException("--augment lighting needs RGB input (3 channels).", ExitCodes.Usage);
        int classes = data.Labels.Count;
        if (classes < 2) throw new CliException($"the training data '{data.Source}' has {classes} class; at least 2 are needed.");
        var architecture = zoo.For(input, classes);
        ModelSummary summary = SummaryCommand.Of(zoo, input, classes);
        _console.Out.WriteLine($"{zoo.Name}: {summary.TotalParameters.ToString("N0", CultureInfo.InvariantCulture)} parameters, input {ZooModel.FormatShape(input)}, "
            + $"{classes} classes, {data.Count} rows from '{data.Source}'");

        var model = ProgressBars.Run(_console, bars =>
        {
            var reporter = new EpochReporter(bars, _console, data.Count);
            var options = new ConvNetClassificationOptions
            {
                Architecture = architecture,
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
            };
            IEstimator<ITransformer> pipeline = ml.Transforms.Conversion.MapValueToKey(CliModel.Label, keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue);
            if (!data.IsPixels) pipeline = pipeline.Append(CliModel.ImageSteps(ml, input));
            pipeline = pipeline.Append(ml.MulticlassClassification.Trainers.ConvNet(ml, options))
                .Append(ml.Transforms.Conversion.MapKeyToValue(CliModel.PredictedLabel));
            var fitted = (IEnumerable<ITransformer>)data.NamingBadImages(() => pipeline.Fit(data.View));
            reporter.Finish();
            // A model trained on pixels is saved with the image steps after the label mapping, so it scores image files too.
            var steps = CliModel.Flatten(fitted).ToList();
            if (data.IsPixels) steps.InsertRange(1, CliModel.FittedImageSteps(ml, input));
            ITransformer saved = new TransformerChain<ITransformer>([.. steps]);
            return (Model: saved, reporter.Epochs);
        });

        long bytes = CliModel.Save(ml, model.Model, s.Output);
        _console.Out.WriteLine($"saved {s.Output} ({bytes / 1024.0:F0} KiB)");

        var (accuracy, on) = Accuracy(ml, s, model.Epochs);
        clock.Stop();
        string results = s.Results ?? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(s.Output)) ?? ".", "results.jsonl");
        ResultsFile.Append(results, new TrainingRecord(zoo.Name, ZooModel.FormatShape(input), classes, summary.TotalParameters, summary.TotalMultiplyAccumulates,
            accuracy, on, s.Epochs, Math.Round(clock.Elapsed.TotalSeconds, 2), data.Count, s.Data.ToString()!, Path.GetFullPath(s.Output), DateTimeOffset.UtcNow));
        _console.Out.WriteLine($"results appended to {results}");
        _console.Out.WriteLine($"wall time: {clock.Elapsed.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture)} s");
        _console.Out.WriteLine($"accuracy: {accuracy.ToString("F4", CultureInfo.InvariantCulture)} ({on})");
        return ExitCodes.Ok;
    }

    /// <summary>
    /// On the test data when given (through the saved model, as <c>evaluate</c> would); else on the validation split, at
    /// the epoch whose weights were kept (the lowest validation loss); else the last epoch's training accuracy.
    /// </summary>
    private (double Accuracy, string On) Accuracy(MLContext ml, Settings s, IReadOnlyList<TrainingProgress> epochs)
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
        private Spectre.Console.ProgressTask? _reading, _epoch;
        private int _epochNumber;

        public EpochReporter(ProgressBars bars, CliConsole console, int rows)
        {
            _bars = bars;
            _console = console;
            _reading = bars.Add($"reading {rows} rows", 1);
            _reading?.IsIndeterminate = true;
        }

        public List<TrainingProgress> Epochs { get; } = [];

        public void Report(TrainingProgress p)
        {
            if (_reading is not null)
            {
                _reading.IsIndeterminate = false;
                _reading.Value = 1;
                _reading.StopTask();
                _reading = null;
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
                Epochs.Add(p);
                if (!_bars.Visible) _console.Error.WriteLine(Describe(p));
            }
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
