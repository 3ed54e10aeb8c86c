using System.Diagnostics;

namespace MlNetConv.Tests.Shared;

/// <summary>
/// A program run as an MPI job on this machine: <c>mpirun --oversubscribe --allow-run-as-root -np N dotnet exec …</c>,
/// every rank with one CPU thread (the CPU kernels' float rounding follows their thread count, so runs compared bit for
/// bit must share it). A test without Open MPI's mpirun is skipped, unless MLNETCONV_REQUIRE_MPI=1 (CI) makes that a
/// failure.
/// </summary>
internal static class MpiJob
{
    private static readonly string[] Launchers = ["/usr/bin/mpirun", "/usr/local/bin/mpirun"];

    /// <summary>mpirun's path; skips the test (or fails it under MLNETCONV_REQUIRE_MPI=1) when there is none.</summary>
    public static string RequireLauncher()
    {
        string? found = Launchers.FirstOrDefault(File.Exists);
        if (found is null && Environment.GetEnvironmentVariable("MLNETCONV_REQUIRE_MPI") == "1")
            Assert.Fail("MLNETCONV_REQUIRE_MPI=1 but Open MPI's mpirun is missing (apt-get install openmpi-bin libopenmpi-dev).");
        Skip.If(found is null, "no mpirun: Open MPI comes from Debian's openmpi-bin and libopenmpi-dev packages.");
        return found!;
    }

    /// <summary>Starts <c>dotnet exec <paramref name="program"/> <paramref name="args"/></c> on <paramref name="ranks"/> ranks (0: alone, without mpirun), output redirected.</summary>
    public static Process Start(int ranks, string program, params string[] args)
    {
        var start = ranks == 0
            ? new ProcessStartInfo("dotnet", ["exec", program, .. args])
            : new ProcessStartInfo(RequireLauncher(), ["--oversubscribe", "--allow-run-as-root", "-np", $"{ranks}", "dotnet", "exec", program, .. args]);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.Environment["DOTNET_PROCESSOR_COUNT"] = "1";
        return Process.Start(start)!;
    }

    /// <summary>Runs <c>dotnet exec <paramref name="program"/> <paramref name="args"/></c> on <paramref name="ranks"/> ranks (0: alone, without mpirun).</summary>
    public static async Task<(int ExitCode, string Output)> Run(int ranks, string program, params string[] args)
    {
        using var process = Start(ranks, program, args);
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{process.StartInfo.FileName} {string.Join(' ', process.StartInfo.ArgumentList)} ran for 3 minutes.");
        }
        return (process.ExitCode, await output + await errors);
    }

    /// <summary>The process ids of rank <paramref name="rank"/> of running jobs whose command line contains <paramref name="marker"/> (Linux: read from /proc).</summary>
    public static int[] RankProcesses(int rank, string marker)
    {
        var found = new List<int>();
        foreach (string dir in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid)) continue;
            try
            {
                string commandLine = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                if (!commandLine.Contains(marker, StringComparison.Ordinal) || commandLine.Contains("mpirun", StringComparison.Ordinal)) continue;
                if (File.ReadAllText(Path.Combine(dir, "environ")).Split('\0').Contains($"OMPI_COMM_WORLD_RANK={rank}")) found.Add(pid);
            }
            catch (IOException)
            {
                // The process ended while being read.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
        return [.. found];
    }

    /// <summary>As <see cref="Run"/>, failing the test with the job's output when it does not end with 0.</summary>
    public static async Task<string> RunOk(int ranks, string program, params string[] args)
    {
        var (code, output) = await Run(ranks, program, args);
        Assert.True(code == 0, $"{(ranks == 0 ? "the program" : $"the {ranks}-rank job")} ended with {code}:\n{output}");
        return output;
    }
}
