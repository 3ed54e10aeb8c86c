using System.CommandLine;
using System.CommandLine.Invocation;
using MlNetConv.Cli.Commands;
using MlNetConv.Distributed;
using MlNetConv.Estimators;
using MlNetConv.Training;

namespace MlNetConv.Cli;

/// <summary>
/// The <c>mlnetconv</c> command line: summary, compare, train, evaluate, score, export, neighbours and plot. Exit codes: 0 ok, 1 bad input
/// (data, images, model files, training failures), 2 usage (a command line that does not parse or fit together),
/// 3 an internal error (a bug: one line, no stack trace), 130 and 143 training stopped by Ctrl-C (SIGINT) or SIGTERM
/// after writing a checkpoint (see <see cref="ExitCodes"/>).
/// </summary>
internal sealed class CliApp
{
    private readonly CliConsole _console;

    /// <param name="interruption">Ctrl-C and SIGTERM during training; by default none are handled (tests call its Request)</param>
    public CliApp(CliConsole console, Interruption? interruption = null)
    {
        _console = console;
        interruption ??= new Interruption(handlesSignals: false);
        Summary = new SummaryCommand(console);
        Compare = new CompareCommand(console);
        Train = new TrainCommand(console, interruption);
        Evaluate = new EvaluateCommand(console);
        Score = new ScoreCommand(console);
        Export = new ExportCommand(console);
        Neighbours = new NeighboursCommand(console);
        Plot = new PlotCommand(console);
        View = new ViewCommand(console, interruption);
        Root = new RootCommand("mlnetconv: convolutional networks from scratch in C#, trained and scored through ML.NET")
        {
            Summary.Command, Compare.Command, Train.Command, Evaluate.Command, Score.Command, Export.Command, Neighbours.Command, Plot.Command, View.Command,
        };
    }

    public RootCommand Root { get; }
    public SummaryCommand Summary { get; }
    public CompareCommand Compare { get; }
    public TrainCommand Train { get; }
    public EvaluateCommand Evaluate { get; }
    public ScoreCommand Score { get; }
    public ExportCommand Export { get; }
    public NeighboursCommand Neighbours { get; }
    public PlotCommand Plot { get; }
    public ViewCommand View { get; }

    public static int RunOnConsole(IReadOnlyList<string> args) =>
        new CliApp(new CliConsole(Console.Out, Console.Error), new Interruption(handlesSignals: true)).Run(args);

    /// <summary>
    /// Runs a command line. A failing rank of a distributed run ends the whole MPI job with its exit code: the other ranks
    /// would otherwise wait for it in their next collective forever. (An interrupted run stops every rank at the same step.)
    /// </summary>
    public int Run(IReadOnlyList<string> args)
    {
        int code = RunCommand(args);
        if (code is not (ExitCodes.Ok or ExitCodes.Interrupted or ExitCodes.Terminated) && MpiCommunicator.Current is { Size: > 1 } job)
        {
            _console.Error.Flush();
            job.Abort(code);
        }
        return code;
    }

    private int RunCommand(IReadOnlyList<string> args)
    {
        var parse = Root.Parse(args);
        // Signals are the commands' own (Interruption): System.CommandLine's handler would end the process after a timeout.
        var configuration = new InvocationConfiguration
        {
            Output = _console.Out, Error = _console.Error, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null,
        };
        if (parse.Action is ParseErrorAction errors)
        {
            errors.ShowHelp = false;
            parse.Invoke(configuration);
            string command = parse.CommandResult.Command == Root ? "" : parse.CommandResult.Command.Name + " ";
            _console.Error.WriteLine($"Run 'mlnetconv {command}--help' for usage.");
            return ExitCodes.Usage;
        }
        try
        {
            return parse.Invoke(configuration);
        }
        catch (CliException e)
        {
            _console.Error.WriteLine($"error: {e.Message}");
            return e.ExitCode;
        }
        catch (Exception e) when (e is BadRowException or TrainingDivergedException or IOException or InvalidDataException or UnauthorizedAccessException
            or InvalidOperationException or ArgumentException or FormatException)
        {
            _console.Error.WriteLine($"error: {e.Message}");
            return ExitCodes.BadInput;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _console.Error.WriteLine($"error: internal error ({e.GetType().Name}: {e.Message}); please report it with the command line.");
            return ExitCodes.Internal;
        }
    }
}
