using System.CommandLine;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetConv.Backends;
using MlNetConv.Cli.Data;

namespace MlNetConv.Cli.Commands;

/// <summary><c>evaluate MODEL --data DATA</c>: ML.NET's multiclass metrics of a saved model on labeled data.</summary>
internal sealed class EvaluateCommand
{
    public sealed record Settings(string Model, DataSpec Data, int? BatchSize, Device Device, BadFilePolicy OnBadFile = BadFilePolicy.Fail,
        long MaxPixels = Estimators.ImageFileCheck.DefaultMaxPixels);

    private readonly CliConsole _console;
    private readonly Argument<string> _model = new("model") { Description = "A model zip saved by 'mlnetconv train'" };
    private readonly Option<DataSpec> _data = CliOptions.Data("Labeled data: an image folder with one sub-folder per class, or idx:IMAGES,LABELS", required: true);
    private readonly Option<int?> _batchSize = new("--batch-size") { Description = "Images per forward pass (default: the model's)", HelpName = "N" };
    private readonly Option<Device> _device = CliOptions.Device();
    private readonly Option<BadFilePolicy> _onBadFile = CliOptions.OnBadFile(BadFilePolicy.Fail,
        "A bad image (truncated, corrupt, over the pixel limit): fail (exit 1, naming them) or skip it (reported by path and counted)");
    private readonly Option<double> _maxMegapixels = CliOptions.MaxMegapixels();

    public EvaluateCommand(CliConsole console)
    {
        _console = console;
        _batchSize.Validators.Add(r => { if (r.GetValueOrDefault<int?>() is <= 0) r.AddError($"--batch-size must be positive, got {r.GetValueOrDefault<int?>()}."); });
        Command = new Command("evaluate", "Accuracy, macro accuracy, log-loss and the confusion table of a saved model on labeled data")
        {
            _model, _data, _batchSize, _device, _onBadFile, _maxMegapixels,
        };
        Command.SetAction(p => Run(Bind(p)));
    }

    public Command Command { get; }

    public Settings Bind(ParseResult p) => new(p.GetRequiredValue(_model), p.GetRequiredValue(_data), p.GetValue(_batchSize), p.GetValue(_device),
        p.GetValue(_onBadFile), CliOptions.Pixels(p.GetValue(_maxMegapixels)));

    /// <summary>Loads the model and the data, and evaluates the model on the rows whose labels it knows (warning about the others).</summary>
    public static (LoadedModel Model, LabeledData Data, MulticlassClassificationMetrics Metrics) Measure(Settings s, CliConsole console)
    {
        var ml = new MLContext(seed: 0);
        var model = CliModel.Load(ml, s.Model, s.Device, s.BatchSize);
        var data = DataLoader.CheckImages(ml, DataLoader.Load(ml, s.Data, console), s.OnBadFile, s.MaxPixels, console);
        var known = model.Classifier.ClassNames.ToHashSet(StringComparer.Ordinal);
        var unknown = data.Labels.Where(l => !known.Contains(l)).ToList();
        if (unknown.Count == data.Labels.Count)
            throw new CliException($"none of the labels of '{data.Source}' ({string.Join(", ", unknown.Take(10))}) is a class of the model ({string.Join(", ", known.Take(10))}).");
        if (unknown.Count > 0)
            console.Warn($"rows labeled {string.Join(", ", unknown)} are not counted: the model does not know these classes.");
        var metrics = data.NamingBadImages(() => ml.MulticlassClassification.Evaluate(model.Transform(data), CliModel.Label, CliModel.Score, CliModel.PredictedLabel));
        return (model, data, metrics);
    }

    public int Run(Settings s)
    {
        var (model, data, metrics) = Measure(s, _console);
        var inv = CultureInfo.InvariantCulture;
        var o = _console.Out;
        o.WriteLine($"model {s.Model}: {ZooModel.FormatShape(model.InputShape)} input, {model.Classifier.ClassNames.Count} classes; data '{data.Source}', {data.Count} rows");
        o.WriteLine($"macro accuracy: {metrics.MacroAccuracy.ToString("F4", inv)}");
        o.WriteLine($"log-loss: {metrics.LogLoss.ToString("F4", inv)}");
        o.WriteLine($"log-loss reduction: {metrics.LogLossReduction.ToString("F4", inv)}");
        o.WriteLine(metrics.ConfusionMatrix.GetFormattedConfusionTable().TrimEnd());
        var names = model.Classifier.ClassNames;
        if (names.Where((n, i) => n != i.ToString(inv)).Any())
            o.WriteLine("classes: " + string.Join(", ", names.Select((n, i) => $"{i} = {n}")));
        o.WriteLine($"accuracy: {metrics.MicroAccuracy.ToString("F4", inv)}");
        return ExitCodes.Ok;
    }
}
