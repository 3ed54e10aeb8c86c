using System.CommandLine;
using System.Globalization;
using MlNetConv.Tensors;

namespace MlNetConv.Cli.Commands;

/// <summary>
/// <c>compare [--input CxHxW] [--classes K] [--results FILE]</c>: the comparison of popular CNNs, one row per zoo
/// network with its parameters and multiply-accumulates, and its accuracy where a results file of <c>train</c> has one.
/// </summary>
internal sealed class CompareCommand
{
    public sealed record Settings(Shape? Input, int? Classes, string? Results);

    private readonly CliConsole _console;
    private readonly Option<Shape?> _input = CliOptions.Input("Sample shape for every network (default: each network's own, e.g. 3x224x224 for ImageNet networks)");
    private readonly Option<int?> _classes = CliOptions.Classes();
    private readonly Option<string?> _results = new("--results")
    {
        Description = "A results file written by 'mlnetconv train' (JSON lines): the latest accuracy of each architecture",
        HelpName = "FILE",
    };

    public CompareCommand(CliConsole console)
    {
        _console = console;
        Command = new Command("compare", "Parameters, multiply-accumulates and (from a results file) accuracy of every zoo network")
        {
            _input, _classes, _results,
        };
        Command.SetAction(p => Run(Bind(p)));
    }

    public Command Command { get; }

    public Settings Bind(ParseResult p) => new(p.GetValue(_input), p.GetValue(_classes), p.GetValue(_results));

    public int Run(Settings s)
    {
        var latest = s.Results is null ? [] : ResultsFile.Read(s.Results)
            .GroupBy(r => r.Architecture, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.MaxBy(r => r.Date)!, StringComparer.OrdinalIgnoreCase);
        var inv = CultureInfo.InvariantCulture;
        string[] header = ["model", "input", "classes", "params", "macs", "accuracy"];
        var rows = new List<string[]>();
        var notes = new List<string>();
        foreach (var model in ZooModels.All)
        {
            var input = s.Input ?? model.DefaultInput;
            int classes = s.Classes ?? model.DefaultClasses;
            string parameters = "-", macs = "-";
            try
            {
                var summary = SummaryCommand.Of(model, input, classes);
                parameters = summary.TotalParameters.ToString("N0", inv);
                macs = summary.TotalMultiplyAccumulates.ToString("N0", inv);
            }
            catch (CliException e)
            {
                notes.Add(e.Message);
            }
            string accuracy = latest.TryGetValue(model.Name, out var r) ? $"{r.Accuracy.ToString("F4", inv)} ({r.AccuracyOn}, {r.Input})" : "-";
            rows.Add([model.Name, ZooModel.FormatShape(input), classes.ToString(inv), parameters, macs, accuracy]);
        }

        var widths = header.Select((h, c) => Math.Max(h.Length, rows.Max(row => row[c].Length))).ToArray();
        void Line(string[] cells) => _console.Out.WriteLine(string.Join("  ", cells.Select((cell, i) => i is 3 or 4 ? cell.PadLeft(widths[i]) : cell.PadRight(widths[i]))).TrimEnd());
        Line(header);
        _console.Out.WriteLine(new string('-', widths.Sum() + 2 * (widths.Length - 1)));
        rows.ForEach(Line);
        foreach (string note in notes) _console.Out.WriteLine($"note: {note}");
        return ExitCodes.Ok;
    }
}
