using MlNetConv.Tests.Shared;

namespace MlNetConv.Cli.Tests;

/// <summary>
/// <c>train --distributed</c> and <c>score --distributed</c> as 2-rank Open MPI jobs of this build's mlnetconv, against
/// the same commands in one process.
/// </summary>
public sealed class DistributedTests(TrainedModelFixture model) : IClassFixture<TrainedModelFixture>, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mlnetconv-distributed-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string Cli => Path.Combine(AppContext.BaseDirectory, "MlNetConv.Cli.dll");

    [SkippableTheory]
    [InlineData("train", "lenet5", "--data", "DATA", "--output", "OUT")]
    [InlineData("score", "MODEL", "DATA", "--output", "OUT")]
    public void WithoutALauncherTheDistributedOptionSaysHowToStartOne(params string[] args)
    {
        Skip.If(Distributed.MpiCommunicator.IsLaunched, "this test host runs under an MPI launcher itself");
        model.Training.Expect(ExitCodes.Ok);
        string output = Path.Combine(_folder, "out");
        args = [.. args.Select(a => a switch { "DATA" => model.TestData, "MODEL" => model.ModelPath, "OUT" => output, _ => a }), "--distributed"];
        var run = CliRun.Of(args).Expect(ExitCodes.BadInput);
        Assert.Contains("'mpirun -np 2", run.Error);
        Assert.False(File.Exists(output));
    }

    [SkippableFact]
    public async Task TwoRanksScoreTheSameFileAsOneProcess()
    {
        MpiJob.RequireLauncher();
        model.Training.Expect(ExitCodes.Ok);
        string images = Path.Combine(_folder, "images");
        foreach (var (index, _) in DigitImages.Select(9000, 301, 0, 1, 7))
            DigitImages.WritePng(index, Path.Combine(images, $"{index % 3}", $"digit-{index}.png"));
        File.WriteAllText(Path.Combine(images, "1", "corrupt.png"), "not a PNG file");
        string one = Path.Combine(_folder, "one.csv"), two = Path.Combine(_folder, "two.csv");
        CliRun.Of("score", model.ModelPath, images, "--output", one, "--batch-size", "32").Expect(ExitCodes.Ok);
        string output = await MpiJob.RunOk(2, Cli, "score", model.ModelPath, images, "--output", two, "--batch-size", "32", "--distributed");

        Assert.Equal(302, File.ReadAllLines(one).Length); // the header and 301 images; the corrupt one is skipped
        Assert.Equal(File.ReadAllBytes(one), File.ReadAllBytes(two));
        Assert.Contains("wrote " + two + ": 301 rows", output);
        Assert.Single(output.Split('\n'), line => line.Contains("wrote ", StringComparison.Ordinal)); // rank 0 alone reports
        Assert.Contains("skipped bad image", output);
    }

    private static double Accuracy(string output) =>
        double.Parse(output.Split('\n').Single(l => l.StartsWith("accuracy: ", StringComparison.Ordinal))[10..16], System.Globalization.CultureInfo.InvariantCulture);

    [SkippableFact]
    public async Task TwoRanksTrainAndRankZeroAloneSavesTheModel()
    {
        MpiJob.RequireLauncher();
        model.Training.Expect(ExitCodes.Ok);
        string zip = Path.Combine(_folder, "lenet.zip");
        // The fixture's options: one process trained the model it shares with them.
        string output = await MpiJob.RunOk(2, Cli, "train", "lenet5", "--data", model.TrainData, "--output", zip, "--epochs", "6", "--batch-size", "16",
            "--lr", "0.05", "--test", model.TestData, "--distributed");
        Assert.Single(output.Split('\n'), line => line.Contains("saved ", StringComparison.Ordinal));
        double accuracy = Accuracy(output), alone = Accuracy(model.Training.Out);
        Assert.True(accuracy >= alone - 0.1, $"test accuracy {accuracy} on 2 ranks, {alone} in one process:\n{output}");
        Assert.Empty(Directory.GetFiles(_folder, "*.tmp"));
        CliRun.Of("evaluate", zip, "--data", model.TestData).Expect(ExitCodes.Ok);
    }

    [SkippableFact]
    public async Task KillingARankEndsTheJobWithAClearErrorAndNoModel()
    {
        MpiJob.RequireLauncher();
        model.Training.Expect(ExitCodes.Ok);
        string zip = Path.Combine(_folder, "killed.zip");
        using var job = MpiJob.Start(2, Cli, "train", "lenet5", "--data", model.TrainData, "--output", zip, "--epochs", "500", "--batch-size", "16",
            "--distributed");
        var output = job.StandardOutput.ReadToEndAsync();
        var lines = new List<string>();
        var firstEpoch = new TaskCompletionSource();
        job.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (lines) lines.Add(e.Data);
            if (e.Data.Contains("epoch 1/500", StringComparison.Ordinal)) firstEpoch.TrySetResult();
        };
        job.BeginErrorReadLine();
        try
        {
            await firstEpoch.Task.WaitAsync(TimeSpan.FromMinutes(2));
            var rank1 = MpiJob.RankProcesses(1, zip);
            Assert.Single(rank1);
            System.Diagnostics.Process.GetProcessById(rank1[0]).Kill();
            await job.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
        }
        finally
        {
            if (!job.HasExited) job.Kill(entireProcessTree: true);
        }
        string all = await output + string.Join('\n', lines);
        Assert.NotEqual(0, job.ExitCode);
        Assert.Matches(@"rank 1 with PID \d+ on node \S+ exited on signal 9", all);
        Assert.False(File.Exists(zip), all);
        Assert.Empty(Directory.GetFiles(_folder, "*.tmp"));
    }
}
