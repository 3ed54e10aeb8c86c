using System.CommandLine;
using System.Globalization;
using MlNetConv.Cli.Data;
using MlNetConv.Plots;
using MlNetConv.Training;

namespace MlNetConv.Cli.Commands;

/// <summary>
/// <c>plot curves|confusion|filters|activations|top5 ... -o FILE.png</c>: the figures of MlNetConv.Plots as PNG files,
/// written to a temporary file renamed into place. MODEL is a model zip from <c>train</c>, an engine model file or an ONNX
/// file (<see cref="InspectedModel"/>); <c>confusion</c> takes a zip, as <c>evaluate</c> does.
/// </summary>
internal sealed class PlotCommand
{
    private readonly CliConsole _console;

    public PlotCommand(CliConsole console)
    {
        _console = console;
        Command = new Command("plot", "Draw a figure as a PNG: training curves, a confusion matrix, a convolution's filters, a layer's activations for an image, "
            + "or an image's top 5 classes")
        {
            Curves(), Confusion(), Filters(), Activations(), Top5(),
        };
    }

    public Command Command { get; }

    private static Option<string> Output() => new("--output", "-o") { Description = "The PNG file to write", HelpName = "FILE.png", Required = true };

    private static Option<string?> Title() => new("--title") { Description = "The figure's title (default: from the input's name)", HelpName = "TEXT" };

    private static Argument<string> Model() => new("model") { Description = "A model zip saved by 'mlnetconv train', an engine model file or an ONNX file" };

    private static Argument<string> Image() => new("image") { Description = "An image file (PNG, JPEG, BMP, GIF, WebP), read as the model reads images" };

    private Command Curves()
    {
        var history = new Argument<string>("history") { Description = "A training history CSV, as 'mlnetconv train --history' writes (" + string.Join(",", TrainingHistoryCsv.Columns) + ")" };
        var output = Output();
        var title = Title();
        var logLoss = new Option<bool>("--log-loss") { Description = "The loss on a logarithmic axis" };
        var command = new Command("curves", "Loss, accuracy and learning rate per epoch, training and validation, in three panels") { history, output, title, logLoss };
        command.SetAction(p =>
        {
            string path = p.GetRequiredValue(history);
            return Write(TrainingCurves.FromCsv(path, p.GetValue(title), p.GetValue(logLoss)), p.GetRequiredValue(output));
        });
        return command;
    }

    private Command Confusion()
    {
        var model = new Argument<string>("model") { Description = "A model zip saved by 'mlnetconv train'" };
        var data = new Argument<DataSpec>("data")
        {
            Description = "Labeled data, as evaluate takes it: an image folder with one sub-folder per class, or idx:IMAGES,LABELS",
            CustomParser = r =>
            {
                try
                {
                    return DataSpec.Parse(r.Tokens[0].Value);
                }
                catch (FormatException e)
                {
                    r.AddError(e.Message.Replace("--data", "DATA"));
                    return new ImageFolderSpec(r.Tokens[0].Value);
                }
            },
        };
        var output = Output();
        var title = Title();
        var device = CliOptions.Device();
        var command = new Command("confusion", "The confusion matrix of a saved model on labeled data: counts, coloured by their share of the true class") { model, data, output, title, device };
        command.SetAction(p =>
        {
            var settings = new EvaluateCommand.Settings(p.GetRequiredValue(model), p.GetRequiredValue(data), BatchSize: null, p.GetValue(device));
            var (loaded, labeled, metrics) = EvaluateCommand.Measure(settings, _console);
            var counts = metrics.ConfusionMatrix.Counts;
            var matrix = new ConfusionMatrix(loaded.Classifier.ClassNames.Count);
            for (int t = 0; t < counts.Count && t < matrix.Classes; t++)
                for (int q = 0; q < counts[t].Count && q < matrix.Classes; q++)
                    for (long n = (long)Math.Round(counts[t][q]); n > 0; n--) matrix.Add(t, q);
            string caption = p.GetValue(title) ?? $"{Path.GetFileNameWithoutExtension(settings.Model)}, {labeled.Count} images, accuracy {metrics.MicroAccuracy.ToString("F4", CultureInfo.InvariantCulture)}";
            return Write(new ConfusionMatrixPlot(matrix, loaded.Classifier.ClassNames, caption), p.GetRequiredValue(output));
        });
        return command;
    }

    private Command Filters()
    {
        var model = Model();
        var layer = new Option<string?>("--layer") { Description = "The convolution to draw, by node name (default: the first convolution)", HelpName = "NAME" };
        var grey = new Option<bool>("--grey") { Description = "Single channels in grey (each filter from its minimum to its maximum) instead of blue-white-red" };
        var output = Output();
        var title = Title();
        var command = new Command("filters", "A convolution's learned filters as tiles: RGB for 3 input channels, else one tile per input channel") { model, layer, grey, output, title };
        command.SetAction(p =>
        {
            using var loaded = InspectedModel.Load(p.GetRequiredValue(model));
            var grid = FilterGrid.Of(loaded.Network, p.GetValue(layer));
            return Write(new FilterGrid(grid.Weights, grid.Shape, p.GetValue(title) ?? $"{Path.GetFileNameWithoutExtension(loaded.Path)}: {grid.Title}") { Grey = p.GetValue(grey) },
                p.GetRequiredValue(output));
        });
        return command;
    }

    private Command Activations()
    {
        var model = Model();
        var image = Image();
        var layers = new Option<string[]>("--layer") { Description = "A layer whose output to draw, by node name; repeat for more (default: every convolution, up to 4)", HelpName = "NAME", AllowMultipleArgumentsPerToken = false };
        var perMap = new Option<bool>("--per-map-scale") { Description = "Scale each map from its own minimum to maximum instead of one scale per layer" };
        var output = Output();
        var title = Title();
        var command = new Command("activations", "What layers compute from an image, as heat maps beside the image") { model, image, layers, perMap, output, title };
        command.SetAction(p =>
        {
            using var loaded = InspectedModel.Load(p.GetRequiredValue(model));
            var (sample, seen) = loaded.Read(p.GetRequiredValue(image));
            string[] names = p.GetValue(layers) is { Length: > 0 } given
                ? given
                : [.. NetworkNodes.All(loaded.Network).Where(n => n.Layer is Layers.Convolution).Select(n => n.Path).Take(4)];
            if (names.Length == 0) throw new CliException($"model '{loaded.Path}' has no convolution: name the layers to draw with --layer.", ExitCodes.Usage);
            var maps = names.Select(n => ActivationLayer.Of(loaded.Network, sample, n)).ToList();
            return Write(new ActivationMaps(seen, maps, p.GetValue(title) ?? Path.GetFileName(p.GetRequiredValue(image))) { SharedScale = !p.GetValue(perMap) }, p.GetRequiredValue(output));
        });
        return command;
    }

    private Command Top5()
    {
        var model = Model();
        var image = Image();
        var k = new Option<int>("--k") { Description = "How many classes", HelpName = "K", DefaultValueFactory = _ => 5 };
        k.Validators.Add(r => { if (r.GetValueOrDefault<int>() is < 1 or > 100) r.AddError($"--k must be 1 to 100, got {r.GetValueOrDefault<int>()}."); });
        var output = Output();
        var title = Title();
        var command = new Command("top5", "The most probable classes of an image as bars, the image beside them") { model, image, k, output, title };
        command.SetAction(p =>
        {
            using var loaded = InspectedModel.Load(p.GetRequiredValue(model));
            var (sample, seen) = loaded.Read(p.GetRequiredValue(image));
            var probabilities = loaded.Probabilities(sample);
            if (probabilities.Length != loaded.ClassNames.Count)
                throw new CliException($"model '{loaded.Path}' outputs {probabilities.Length} values for an image, not one per class ({loaded.ClassNames.Count}).");
            var bars = new TopClassesBars(loaded.ClassNames, probabilities, p.GetValue(k), p.GetValue(title) ?? Path.GetFileName(p.GetRequiredValue(image)), seen);
            foreach (int c in bars.Top()) _console.Out.WriteLine($"{loaded.ClassNames[c]}: {probabilities[c].ToString("F4", CultureInfo.InvariantCulture)}");
            return Write(bars, p.GetRequiredValue(output));
        });
        return command;
    }

    private int Write(Figure figure, string path)
    {
        figure.Save(path);
        var size = SkiaSharp.SKBitmap.DecodeBounds(path);
        _console.Out.WriteLine($"wrote {path} ({size.Width}x{size.Height})");
        return ExitCodes.Ok;
    }
}
