using System.CommandLine;
using MlNetConv.Onnx;
using MlNetConv.Summary;
using MlNetConv.Tensors;

namespace MlNetConv.Cli.Commands;

/// <summary>
/// <c>summary ARCHITECTURE [--input CxHxW] [--classes K]</c>: the per-layer table, counted from shapes alone; or
/// <c>summary MODEL.onnx [--input CxHxW]</c>: the table of the network an ONNX file imports as (--input for symbolic sizes).
/// </summary>
internal sealed class SummaryCommand
{
    public sealed record Settings(string Architecture, Shape? Input, int? Classes);

    private readonly CliConsole _console;
    private readonly Argument<string> _architecture = new("architecture") { Description = "An ONNX file (*.onnx), or a zoo network: " + string.Join(", ", ZooModels.All.Select(m => m.Name)) };
    private readonly Option<Shape?> _input = CliOptions.Input("Sample shape (default: the architecture's, e.g. 3x224x224 for ImageNet networks)");
    private readonly Option<int?> _classes = CliOptions.Classes();

    public SummaryCommand(CliConsole console)
    {
        _console = console;
        Command = new Command("summary", "Per-layer output shapes, parameters, multiply-accumulates and receptive fields of a zoo network or an ONNX model")
        {
            _architecture, _input, _classes,
        };
        Command.SetAction(p => Run(Bind(p)));
    }

    public Command Command { get; }

    public Settings Bind(ParseResult p) => new(p.GetRequiredValue(_architecture), p.GetValue(_input), p.GetValue(_classes));

    public int Run(Settings s)
    {
        if (s.Architecture.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase)) return RunOnnx(s);
        var model = ZooModels.Find(s.Architecture);
        var input = s.Input ?? model.DefaultInput;
        int classes = s.Classes ?? model.DefaultClasses;
        var summary = Of(model, input, classes);
        _console.Out.WriteLine($"{model.Name}: {model.Description}, input {ZooModel.FormatShape(input)}, {classes} classes");
        _console.Out.WriteLine(summary.ToString());
        return ExitCodes.Ok;
    }

    /// <summary>Imports the ONNX file and prints its network's table; a file that does not import is bad input.</summary>
    private int RunOnnx(Settings s)
    {
        if (!File.Exists(s.Architecture)) throw new CliException($"ONNX file '{s.Architecture}' does not exist.");
        try
        {
            using var network = OnnxImport.Load(s.Architecture, new OnnxImportOptions { SampleShape = s.Input });
            _console.Out.WriteLine($"{Path.GetFileName(s.Architecture)}: imported from ONNX, input {ZooModel.FormatShape(network.SampleShape)}, " +
                $"{network.OutputCount} output{(network.OutputCount == 1 ? "" : "s")} {string.Join(", ", network.OutputShapes)}");
            _console.Out.WriteLine(ModelSummary.Of(network).ToString());
            return ExitCodes.Ok;
        }
        catch (Exception e) when (e is InvalidDataException or NotSupportedException or ArgumentException or IOException or UnauthorizedAccessException)
        {
            throw new CliException(e.Message, ExitCodes.BadInput, e);
        }
    }

    /// <summary>The summary through the allocation-free path; an input the network cannot take is a usage error.</summary>
    public static ModelSummary Of(ZooModel model, Shape input, int classes)
    {
        try
        {
            return ModelSummary.Of(model.For(input, classes), input);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            throw new CliException($"{model.Name} cannot take {ZooModel.FormatShape(input)} inputs: {e.Message}", ExitCodes.Usage, e);
        }
    }
}
