using System.Diagnostics;

namespace MlNetConv.Tests.Shared;

/// <summary>
/// <c>mlnetconv</c> as a child process (<c>dotnet exec MlNetConv.Cli.dll</c> from the folder of the calling program, which
/// references the CLI project), with its standard error collected line by line, so that a test can wait for a line
/// (e.g. an epoch's), send a signal or kill it, and read how it ended. POSIX only (signals are sent with kill(1)).
/// </summary>
internal sealed class CliProcess : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _errorLines = [];
    private readonly Task<string> _output;
    private readonly TaskCompletionSource _errorDone = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private CliProcess(IEnumerable<string> args)
    {
        string cli = Path.Combine(AppContext.BaseDirectory, "MlNetConv.Cli.dll");
        if (!File.Exists(cli)) throw new FileNotFoundException($"{cli} was not built beside {AppContext.BaseDirectory}.", cli);
        var start = new ProcessStartInfo("dotnet", ["exec", cli, .. args]) { RedirectStandardOutput = true, RedirectStandardError = true };
        _process = new Process { StartInfo = start };
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) _errorDone.TrySetResult();
            else lock (_errorLines) _errorLines.Add(e.Data);
        };
        _process.Start();
        _process.BeginErrorReadLine();
        _output = _process.StandardOutput.ReadToEndAsync();
    }

    public static CliProcess Start(params IEnumerable<string> args) => new(args);

    public int Id => _process.Id;

    /// <summary>The lines of standard error so far.</summary>
    public string[] ErrorLines
    {
        get
        {
            lock (_errorLines) return [.. _errorLines];
        }
    }

    /// <summary>Waits until a line of standard error matches; false when the process ended first or the time ran out.</summary>
    public async Task<bool> WaitForErrorLine(Func<string, bool> match, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (ErrorLines.Any(match)) return true;
            if (_process.HasExited) return ErrorLines.Any(match);
            await Task.Delay(5);
        }
        return false;
    }

    /// <summary>Sends a signal by name (INT, TERM) with kill(1).</summary>
    public void Signal(string name)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", [$"-{name}", Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))!;
        kill.WaitForExit();
        if (kill.ExitCode != 0) throw new InvalidOperationException($"kill -{name} {Id} exited with {kill.ExitCode}.");
    }

    /// <summary>SIGKILL: the process ends at once, in whatever it was doing.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    /// <summary>Waits for the end; returns the exit code (128 + the signal's number for a process a signal ended) and both streams.</summary>
    public async Task<(int ExitCode, string Out, string Error)> WaitForExit(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancel.Token);
        await _errorDone.Task.WaitAsync(cancel.Token);
        return (_process.ExitCode, await _output.WaitAsync(cancel.Token), string.Join('\n', ErrorLines));
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }
}
