namespace MlNetConv.Cli;

/// <summary>The process exit codes of every command.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>Bad input: missing or unreadable data, a corrupt model, a bad image in fail mode, a training error.</summary>
    public const int BadInput = 1;

    /// <summary>A command line that does not parse or whose values do not fit together.</summary>
    public const int Usage = 2;

    /// <summary>A failure of the program itself, not of its input: reported in one line with the error's type, to be filed as a bug.</summary>
    public const int Internal = 3;

    /// <summary>Training stopped by Ctrl-C (SIGINT) after writing a checkpoint; 128 + 2, the shells' convention.</summary>
    public const int Interrupted = 130;

    /// <summary>Training stopped by SIGTERM after writing a checkpoint; 128 + 15.</summary>
    public const int Terminated = 143;
}
