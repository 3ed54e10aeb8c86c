using System.Runtime.InteropServices;

namespace MlNetConv.Cli;

/// <summary>
/// Ctrl-C (SIGINT) and SIGTERM while a command's long work runs (<see cref="Listening{T}"/>): the first asks the work to
/// stop at its next safe point (training: after the current step, writing a checkpoint) through <see cref="Token"/>,
/// and the command exits with <see cref="ExitCode"/>; a second one ends the process at once, as the signal does by
/// default. Outside <see cref="Listening{T}"/> both signals keep their default. Tests call <see cref="Request"/> instead
/// of sending a signal.
/// </summary>
internal sealed class Interruption
{
    private readonly CancellationTokenSource _source = new();
    private readonly bool _handlesSignals;
    private int _requested;

    /// <param name="handlesSignals">whether <see cref="Listening{T}"/> handles the process's signals (false where tests call <see cref="Request"/>)</param>
    public Interruption(bool handlesSignals) => _handlesSignals = handlesSignals;

    public CancellationToken Token => _source.Token;

    /// <summary>The signal that asked to stop, or null.</summary>
    public PosixSignal? Signal { get; private set; }

    /// <summary>130 after SIGINT, 143 after SIGTERM (128 + the signal's number, the shells' convention).</summary>
    public int ExitCode => Signal == PosixSignal.SIGTERM ? ExitCodes.Terminated : ExitCodes.Interrupted;

    /// <summary>Asks the work to stop; false when it was asked already.</summary>
    public bool Request(PosixSignal signal)
    {
        if (Interlocked.Exchange(ref _requested, 1) == 1) return false;
        Signal = signal;
        _source.Cancel();
        return true;
    }

    /// <summary>Runs <paramref name="work"/> with SIGINT and SIGTERM handled; the first signal is announced on standard error.</summary>
    public T Listening<T>(CliConsole console, string stopping, Func<T> work)
    {
        if (!_handlesSignals) return work();
        void Handle(PosixSignalContext context)
        {
            if (!Request(context.Signal)) return; // the second signal: the default action ends the process
            context.Cancel = true;
            console.Error.WriteLine($"{Name(context.Signal)}: {stopping}; press Ctrl-C (or send the signal) again to quit at once.");
        }
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle);
        return work();
    }

    public static string Name(PosixSignal? signal) => signal == PosixSignal.SIGTERM ? "SIGTERM" : "SIGINT";
}
