namespace MlNetConv.Cli.Tests;

/// <summary>
/// <c>score</c> and <c>evaluate</c> on damaged copies of a trained model zip: bytes flipped all over the file, the file
/// cut short, entries' headers broken. Each run ends with exit code 0 (the damage missed everything that matters) or
/// 1 with one line saying the model file is corrupt or not an MlNetConv model, naming it, and never with a stack trace.
/// </summary>
public sealed class CorruptModelTests(TrainedModelFixture model) : IClassFixture<TrainedModelFixture>, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mlnetconv-corrupt-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>Seeded damage: 0-9 bit flips at random offsets, 10-14 truncations, 15-19 a run of zeros over a local file header.</summary>
    private static byte[] Damage(byte[] original, int kind, Random random)
    {
        var bytes = (byte[])original.Clone();
        switch (kind)
        {
            case < 10:
                for (int i = 0; i < 1 + kind; i++) bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                return bytes;
            case < 15:
                return bytes[..random.Next(bytes.Length)];
            default:
                // "PK\x03\x04" starts each entry's local header; its name length (26 bytes on) made to point past the file.
                var headers = Enumerable.Range(0, bytes.Length - 4).Where(i => bytes[i] == 'P' && bytes[i + 1] == 'K' && bytes[i + 2] == 3 && bytes[i + 3] == 4).ToList();
                bytes.AsSpan(headers[random.Next(headers.Count)] + 26, 4).Fill(0xFF);
                return bytes;
        }
    }

    [Theory]
    [InlineData("score")]
    [InlineData("evaluate")]
    public void DamagedModelZips_GiveOneLineErrorsAndNoStackTrace(string command)
    {
        model.Training.Expect(ExitCodes.Ok);
        var original = File.ReadAllBytes(model.ModelPath);
        var random = new Random(command.Length);
        int failed = 0;
        for (int kind = 0; kind < 20; kind++)
        {
            string path = Path.Combine(_folder, $"{command}-{kind}.zip");
            File.WriteAllBytes(path, Damage(original, kind, random));
            var run = command == "score"
                ? CliRun.Of("score", path, model.TestData, "-o", Path.Combine(_folder, $"{kind}.csv"))
                : CliRun.Of("evaluate", path, "--data", model.TestData);
            Assert.True(run.ExitCode is ExitCodes.Ok or ExitCodes.BadInput, $"damage {kind}: exit code {run.ExitCode}\n{run.Error}");
            Assert.DoesNotContain("   at ", run.Error);
            Assert.DoesNotContain("Exception", run.Error);
            if (run.ExitCode == ExitCodes.BadInput)
            {
                failed++;
                Assert.StartsWith($"error: model file '{path}' is corrupt or not an MlNetConv model", run.Error);
                Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            }
        }
        Assert.True(failed >= 10, $"only {failed} of 20 damaged models were refused");
    }
}
