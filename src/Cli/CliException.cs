namespace MlNetConv.Cli;

/// <summary>An error the command line reports as one line on standard error, ending with <see cref="ExitCode"/>.</summary>
internal sealed class CliException(string message, int exitCode = ExitCodes.BadInput, Exception? inner = null) : Exception(message, inner)
{
    public int ExitCode { get; } = exitCode;
}
