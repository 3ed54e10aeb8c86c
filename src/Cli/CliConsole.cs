using Spectre.Console;

namespace MlNetConv.Cli;

/// <summary>
/// Where a command writes: results on <see cref="Out"/>, warnings, errors and progress on <see cref="Error"/>. Progress
/// bars (Spectre.Console) are drawn only when standard error is an interactive terminal; otherwise commands log one
/// line per epoch or per run instead, so redirected output stays readable.
/// </summary>
internal sealed class CliConsole
{
    public CliConsole(TextWriter output, TextWriter error)
    {
        Out = output;
        Error = error;
        Ansi = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(error) });
        Interactive = Ansi.Profile.Capabilities.Interactive && ReferenceEquals(error, Console.Error) && !Console.IsErrorRedirected;
    }

    /// <summary>Writes nowhere: the console of an MPI job's ranks other than 0, whose rank 0 speaks for the job.</summary>
    public static CliConsole Quiet { get; } = new(TextWriter.Null, TextWriter.Null);

    public TextWriter Out { get; }
    public TextWriter Error { get; }

    /// <summary>The Spectre.Console console over standard error, for progress bars.</summary>
    public IAnsiConsole Ansi { get; }

    /// <summary>Whether progress bars are shown.</summary>
    public bool Interactive { get; }

    public void Warn(string message) => Error.WriteLine($"warning: {message}");
}
