namespace MlNetConv.Cli.Tests;

/// <summary>One in-process run of the command line: its exit code and what it wrote to standard output and error.</summary>
internal sealed record CliRun(int ExitCode, string Out, string Error)
{
    public static CliRun Of(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = new CliApp(new CliConsole(output, error)).Run(args);
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
