using System.Runtime.InteropServices;

namespace MlNetConv.Cli.Tests;

/// <summary>One in-process run of the command line: its exit code and what it wrote to standard output and error.</summary>
internal sealed record CliRun(int ExitCode, string Out, string Error)
{
    public static CliRun Of(params string[] args) => Of(null, args);

    /// <summary>A run of <c>train</c> that <paramref name="signal"/> interrupts after batch <paramref name="batch"/> of epoch <paramref name="epoch"/>.</summary>
    public static CliRun Interrupted(PosixSignal signal, int epoch, int batch, params string[] args)
    {
        var interruption = new Interruption(handlesSignals: false);
        return Of(interruption, args, p => { if (p.Epoch == epoch && p.Batch == batch) interruption.Request(signal); });
    }

    /// <summary>A run on a thread of its own, for commands that serve until <paramref name="interruption"/> is requested.</summary>
    public static Task<CliRun> InBackground(Interruption interruption, params string[] args) => Task.Run(() => Of(interruption, args));

    private static CliRun Of(Interruption? interruption, string[] args, Action<Training.TrainingProgress>? afterStep = null)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var app = new CliApp(new CliConsole(output, error), interruption);
        app.Train.AfterStep = afterStep;
        int code = app.Run(args);
        return new CliRun(code, output.ToString(), error.ToString());
    }

    /// <summary>Fails with both streams in the message unless the run exited with <paramref name="expected"/>.</summary>
    public CliRun Expect(int expected)
    {
        Assert.True(ExitCode == expected, $"exit code {ExitCode}, expected {expected}\n--- stdout\n{Out}\n--- stderr\n{Error}");
        return this;
    }

    public string[] OutLines => Out.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
