// Kills `mlnetconv train --checkpoint` at random moments and resumes it, checking that every resumed run saves the
// model an uninterrupted run saves, bit for bit (the engine's model file inside the zip), and that no temporary file
// is left behind. A kill that comes before the first checkpoint is followed by a fresh run of the same command line.
// Usage: KillResume [--kills N] [--seed S] [--rows R] [--epochs E]     (defaults: 10 kills, seed 1, 8000 rows, 8 epochs)
// Prints one line per kill and ends with "same final model in K of N".
using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using MlNetConv.Estimators.Persistence;
using MlNetConv.Tests.Shared;

int kills = Option("--kills", 10), seed = Option("--seed", 1), rows = Option("--rows", 8000), epochs = Option("--epochs", 8);
var patience = TimeSpan.FromMinutes(10);
string folder = Directory.CreateTempSubdirectory("mlnetconv-kill-resume-").FullName;
try
{
    string data = DigitImages.WriteIdx(Path.Combine(folder, "digits"), 0, rows);
    string[] Train(string output, params string[] more) =>
        ["train", "lenet5", "--data", data, "-o", output, "--epochs", epochs.ToString(CultureInfo.InvariantCulture), "--batch-size", "32", "--lr", "0.05",
            "--validation-fraction", "0.1", "--augment", "crop=2", "--seed", seed.ToString(CultureInfo.InvariantCulture), .. more];

    var clock = Stopwatch.StartNew();
    string straight = Path.Combine(folder, "uninterrupted.zip");
    await Run(Train(straight), expected: 0);
    double seconds = clock.Elapsed.TotalSeconds;
    var reference = WeightsOf(straight);
    Console.WriteLine($"uninterrupted: {rows} digits, {epochs} epochs of lenet5 in {seconds:F1} s (process start included)");

    var random = new Random(seed);
    int same = 0, resumed = 0;
    for (int k = 1; k <= kills; k++)
    {
        string output = Path.Combine(folder, $"run{k}.zip"), checkpoint = Path.Combine(folder, $"run{k}.ckpt");
        var delay = TimeSpan.FromSeconds(random.NextDouble() * seconds);
        string killed;
        using (var child = CliProcess.Start(Train(output, "--checkpoint", checkpoint)))
        {
            await Task.Delay(delay);
            var epochLines = child.ErrorLines.Where(l => l.StartsWith("epoch ", StringComparison.Ordinal)).ToList();
            child.Kill();
            var (code, _, _) = await child.WaitForExit(patience);
            killed = code == 128 + 9
                ? $"killed at {delay.TotalSeconds:F2} s ({(epochLines.Count == 0 ? "before the first epoch ended" : "after " + epochLines[^1].Split("  ")[0])})"
                : $"not killed: it ended with {code} before {delay.TotalSeconds:F2} s";
        }
        bool resumable = File.Exists(checkpoint);
        if (resumable) resumed++;
        int leftovers = Directory.GetFiles(folder, $"run{k}.*.tmp").Length;
        await Run(resumable ? Train(output, "--checkpoint", checkpoint, "--resume", checkpoint) : Train(output, "--checkpoint", checkpoint), expected: 0);
        bool equal = WeightsOf(output).AsSpan().SequenceEqual(reference);
        int left = Directory.GetFiles(folder, $"run{k}.*.tmp").Length;
        if (equal && left == 0) same++;
        Console.WriteLine($"kill {k}: {killed}; {(resumable ? "resumed from its checkpoint" : "no checkpoint yet, ran again")}"
            + $"{(leftovers > 0 ? $" (the kill left {leftovers} temporary file(s))" : "")}: {(equal ? "same model" : "DIFFERENT MODEL")}"
            + $"{(left > 0 ? $", {left} temporary file(s) left" : "")}");
    }
    Console.WriteLine($"same final model in {same} of {kills} ({resumed} resumed from a checkpoint, {kills - resumed} killed before the first and run again)");
    return same == kills ? 0 : 1;
}
finally
{
    Directory.Delete(folder, recursive: true);
}

int Option(string name, int fallback)
{
    int at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
}

async Task Run(string[] command, int expected)
{
    using var child = CliProcess.Start(command);
    var (code, output, error) = await child.WaitForExit(patience);
    if (code != expected) throw new InvalidOperationException($"mlnetconv {string.Join(' ', command)} exited with {code}\n{output}\n{error}");
}

static byte[] WeightsOf(string zip) => new MLContext().Model.LoadConvNet(zip, out _).FindConvNet().Model.Bytes.ToArray();
