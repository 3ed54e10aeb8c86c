using System.CommandLine;
using MlNetConv.Summary;
using MlNetConv.Tensors;

namespace MlNetConv.Cli.Commands;

/// <summary><c>summary ARCHITECTURE [--input CxHxW] [--classes K]</c>: the per-layer table, counted from shapes alone.</summary>
internal sealed class SummaryCommand
{
    public sealed record Settings(string Architecture, Shape? Input, int? Classes);

    private readonly CliConsole _console;
    private readonly Argument<string> _architecture = new("architecture") { Description = "A zoo network: " + string.Join(", ", ZooModels.All.Select(m => m.Name)) };
    private readonly Option<Shape?> _input = CliOptions.Input("Sample shape (default: the architecture's, e.g. 3x224x224 for ImageNet networks)");
    private readonly Option<int?> _classes = CliOptions.Classes();

    public SummaryCommand(CliConsole console)
    {
        _console = console;
        Command = new Command("summary", "Per-layer output shapes, parameters, multiply-accumulates and receptive fields of a zoo network")
        {
            _architecture, _input, _classes,
        };
        Command.SetAction(p => Run(Bind(p)));
    }

    public Command Command { get; }

    public Settings Bind(ParseResult p) => new(p.GetRequiredValue(_architecture), p.GetValue(_input), p.GetValue(_classes));

    public int Run(Settings s)
    {
        var model = ZooModels.Find(s.Architecture);
        var input = s.Input ?? model.DefaultInput;
        int classes = s.Classes ?? model.DefaultClasses;
        var summary = Of(model, input, classes);
        _console.Out.WriteLine($"{model.Name}: {model.Description}, input {ZooModel.FormatShape(input)}, {classes} classes");
        _console.Out.WriteLine(summary.ToString());
        return ExitCodes.Ok;
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
