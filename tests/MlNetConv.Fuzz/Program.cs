using System.Diagnostics;
using System.Globalization;
using MlNetConv.Fuzz;
using SkiaSharp;

// Mutation fuzzing of everything the engine reads from untrusted files: engine model files (with forgeries re-sealed
// under a valid checksum), ML.NET model zips, images and ONNX models (with forgeries that stay valid protobuf). Usage:
//   dotnet run -c Release --project tests/MlNetConv.Fuzz -- [--cases 10000] [--seed 1] [--time-limit-s 30] [--target NAME] [--replay N [--dump FILE]]
// Prints one line per target (counts of clean errors, identical and changed loads, crashes, hangs; the most one case
// allocated against its budget: the undamaged read plus four times the input) and the process's peak working set;
// exits with 1 when any case crashed, hung or went over its memory budget.
int cases = 10_000, seed = 1, timeLimit = 30, replay = -1;
string? dump = null, only = null;
for (int i = 0; i + 1 < args.Length; i += 2)
{
    if (args[i] is "--dump" or "--target")
    {
        if (args[i] == "--dump") dump = args[i + 1];
        else only = args[i + 1];
        continue;
    }
    int value = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
    switch (args[i])
    {
        case "--cases": cases = value; break;
        case "--seed": seed = value; break;
        case "--time-limit-s": timeLimit = value; break;
        case "--replay": replay = value; break;
        default: Console.Error.WriteLine($"unknown option {args[i]}"); return 2;
    }
}

FuzzTarget[] targets = [new ModelFileTarget(), new ModelZipTarget(), new ImageTarget(SKEncodedImageFormat.Png), new ImageTarget(SKEncodedImageFormat.Jpeg), new OnnxModelTarget()];
if (only is not null) targets = targets.Where(t => t.Name == only).ToArray();
if (targets.Length == 0)
{
    Console.Error.WriteLine($"unknown target {only}");
    return 2;
}
if (replay >= 0)
{
    for (int run = 1; run <= 2; run++)
    {
        var (outcome, allocated, detail) = FuzzCampaign.Replay(targets, seed, replay, TimeSpan.FromSeconds(timeLimit));
        Console.WriteLine($"case {replay}, run {run}: {outcome}, allocated {allocated:N0} bytes {detail}");
    }
    if (dump is not null) File.WriteAllBytes(dump, FuzzCampaign.Mutated(targets, seed, replay));
    return 0;
}
var clock = Stopwatch.StartNew();
long baseline = Process.GetCurrentProcess().PeakWorkingSet64;
var reports = FuzzCampaign.Run(targets, cases, seed, TimeSpan.FromSeconds(timeLimit), Console.Error.WriteLine);
foreach (var report in reports)
{
    Console.WriteLine(report);
    foreach (var failure in report.Failures) Console.WriteLine("  " + failure);
}
long peak = Process.GetCurrentProcess().PeakWorkingSet64;
Console.WriteLine($"cases={cases} seed={seed} seconds={clock.Elapsed.TotalSeconds:F0} peak_working_set={peak / 1048576.0:F0}MiB (after setup {baseline / 1048576.0:F0}MiB)");
return reports.All(r => r.Clean) ? 0 : 1;
