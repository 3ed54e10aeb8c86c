using System.Runtime.InteropServices;
using MlNetConv.Tests.Shared;

namespace MlNetConv.Cli.Tests;

/// <summary>
/// <c>train</c> stopped part-way, by Ctrl-C, SIGTERM or a kill, and resumed with <c>--resume</c>: the saved model is the
/// uninterrupted run's, bit for bit.
/// </summary>
public sealed class InterruptedTrainingTests(UninterruptedTrainingFixture run) : IClassFixture<UninterruptedTrainingFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData(PosixSignal.SIGINT, false)]
    [InlineData(PosixSignal.SIGTERM, true)]
    public void ASignalStopsAfterTheStepWithACheckpointAndTheCommandLineThatResumesToTheSameModel(PosixSignal signal, bool checkpointOption)
    {
        string output = Path.Combine(run.Folder, $"{signal}.zip");
        string checkpoint = checkpointOption ? Path.Combine(run.Folder, $"{signal}.ckpt") : output + ".checkpoint";
        string[] args = checkpointOption ? run.Arguments(output, "--checkpoint", checkpoint) : run.Arguments(output);

        var stopped = CliRun.Interrupted(signal, epoch: 3, batch: 5, args).Expect(signal == PosixSignal.SIGINT ? 130 : 143);
        Assert.False(File.Exists(output));
        var lines = stopped.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal($"stopped by {signal}: training was cancelled in epoch 3 of 8 after batch 5 of {UninterruptedTrainingFixture.Batches}; "
            + $"a checkpoint was written to '{checkpoint}'.", lines[^2]);
        string resume = $"resume with: mlnetconv {string.Join(' ', args)} --resume {checkpoint}";
        Assert.Equal(resume, lines[^1]);

        var resumed = CliRun.Of(resume["resume with: mlnetconv ".Length..].Split(' ')).Expect(ExitCodes.Ok);
        Assert.Equal(run.Weights, UninterruptedTrainingFixture.WeightsOf(output));
        // Epochs 3 to 8 ran; a checkpoint of the command's own choosing is removed once the model is saved.
        Assert.Matches("^epoch 3/8 ", resumed.Error.Split('\n')[0]);
        Assert.Equal(checkpointOption, File.Exists(checkpoint));
        Assert.Equal(!checkpointOption, resumed.Out.Contains($"removed the checkpoint {checkpoint}: the model is saved"));
    }

    [Fact]
    public async Task CtrlCToTheProcessStopsItWithExitCode130AndACheckpointToResumeFrom()
    {
        string output = Path.Combine(run.Folder, "ctrl-c.zip");
        using var child = CliProcess.Start(run.Arguments(output));
        Assert.True(await child.WaitForErrorLine(l => l.StartsWith("epoch 1/8 "), Patience), string.Join('\n', child.ErrorLines));
        child.Signal("INT");
        var (code, _, error) = await child.WaitForExit(Patience);
        Assert.True(code == ExitCodes.Interrupted, $"exit code {code}\n{error}");
        Assert.Contains("SIGINT: stopping after the current training step to write a checkpoint; press Ctrl-C (or send the signal) again to quit at once.", error);
        string resume = error.Split('\n').Last();
        Assert.StartsWith($"resume with: mlnetconv {string.Join(' ', run.Arguments(output))} --resume {output}.checkpoint", resume);

        CliRun.Of(resume["resume with: mlnetconv ".Length..].Split(' ')).Expect(ExitCodes.Ok);
        Assert.Equal(run.Weights, UninterruptedTrainingFixture.WeightsOf(output));
    }

    [Fact]
    public async Task AProcessKilledAfterItsFirstCheckpointResumesToTheSameModel()
    {
        string output = Path.Combine(run.Folder, "killed.zip"), checkpoint = Path.Combine(run.Folder, "killed.ckpt");
        string[] args = run.Arguments(output, "--checkpoint", checkpoint);
        using (var child = CliProcess.Start(args))
        {
            // The line of epoch 2 comes just before its checkpoint is written: the kill may land in the middle of that write.
            Assert.True(await child.WaitForErrorLine(l => l.StartsWith("epoch 2/8 "), Patience), string.Join('\n', child.ErrorLines));
            child.Kill();
            var (code, _, error) = await child.WaitForExit(Patience);
            Assert.True(code == 128 + 9, $"exit code {code}, not SIGKILL's: the run ended before the kill\n{error}");
        }
        Assert.False(File.Exists(output));
        Assert.True(File.Exists(checkpoint));

        var resumed = CliRun.Of([.. args, "--resume", checkpoint]).Expect(ExitCodes.Ok);
        Assert.Matches("^epoch [234]/8 ", resumed.Error.Split('\n')[0]);
        Assert.Equal(run.Weights, UninterruptedTrainingFixture.WeightsOf(output));
        Assert.Empty(Directory.GetFiles(run.Folder, "killed.*.tmp"));
    }

    [Fact]
    public void ResumeRefusesAMissingFileACheckpointOfOtherSettingsAndACheckpointInPlaceOfTheModel()
    {
        string output = Path.Combine(run.Folder, "refused.zip"), missing = Path.Combine(run.Folder, "missing.ckpt");
        Assert.Equal($"error: checkpoint '{missing}' (--resume) does not exist.",
            CliRun.Of([.. run.Arguments(output), "--resume", missing]).Expect(ExitCodes.BadInput).Error.Trim());
        Assert.Contains("--checkpoint must name another file than --output.",
            CliRun.Of([.. run.Arguments(output), "--checkpoint", output]).Expect(ExitCodes.Usage).Error);

        string checkpoint = Path.Combine(run.Folder, "seed1.ckpt");
        CliRun.Interrupted(PosixSignal.SIGINT, 1, 2, run.Arguments(output, "--checkpoint", checkpoint)).Expect(ExitCodes.Interrupted);
        var otherSeed = CliRun.Of([.. run.Arguments(output), "--seed", "2", "--resume", checkpoint]).Expect(ExitCodes.BadInput);
        Assert.Contains($"error: Checkpoint '{checkpoint}' was written by a run with seed 1, batch size 16 and 432 training rows; this run has seed 2,", otherSeed.Error);
        Assert.False(File.Exists(output));
    }
}
