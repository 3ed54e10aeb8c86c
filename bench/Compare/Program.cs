// MlNetConv beside its peers on the same machine, in the same process, on the same cases: medians of repeated runs,
// MlNetConv and the peer alternating run by run. One line per measurement:
//   case=<name> mlnetconv=<value> peer=<name> peer_value=<value> unit=<unit> ratio=<r> [fields...]
// ratio > 1 always means MlNetConv is better: ratio = mlnetconv/peer for throughput units (GFLOP/s, images/s) and
// accuracy, and ratio = peer/mlnetconv, the speed-up, for time units (ms, s). peak_pct fields are shares of the FP32
// peak measured at the start of the run with an FMA loop on every thread.
//
// Cases: SGEMM 1024^3 and ResNet's 3x3 64->64 convolution on 56x56 at batch 32 (forward; forward + data and weight
// gradients) against TorchSharp-cpu; LeNet-5 training steps at batch 64 against the same network in TorchSharp;
// ResNet-18 inference at 224x224 (batch 1 latency, batch 32 throughput) against ONNX Runtime running the same network
// and weights exported to ONNX; one LeNet-5 epoch on Fashion-MNIST (time and test accuracy) against TorchSharp with the
// same recipe. Every engine gets as many threads as the machine has cores.
//
// Usage: dotnet run -c Release --project bench/Compare -- [--quick] [--only SUBSTRING] [--data DIR]
//   --quick  fewer repetitions: the whole run in under three minutes on two cores
//   --only   runs the case groups whose name contains SUBSTRING (sgemm, conv, lenet, resnet, fashion)
//   --data   folder of the Fashion-MNIST IDX files (default: that of the Debian package dataset-fashion-mnist)
using System.Diagnostics;
using System.Globalization;
using System.Runtime.Intrinsics;
using MlNetConv.Bench;
using MlNetConv.Bench.Compare;

bool quick = false;
string? only = null;
string data = FashionMnistEpochCase.DefaultFolder;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--quick": quick = true; break;
        case "--only" when i + 1 < args.Length: only = args[++i]; break;
        case "--data" when i + 1 < args.Length: data = args[++i]; break;
        default:
            Console.Error.WriteLine($"unknown argument '{args[i]}'; usage: Compare [--quick] [--only SUBSTRING] [--data DIR]");
            return 2;
    }
}

var clock = Stopwatch.StartNew();
int threads = Environment.ProcessorCount;
string? torchUnavailable = TorchSharpPeer.TryInitialize(threads);
// The peak is what the machine can do: measured again (up to six times, the best kept) while other processes take more
// than a twentieth of the cores.
double peak = 0;
for (int attempt = 0; attempt < 6; attempt++)
{
    var quiet = MachineLoad.Start();
    peak = Math.Max(peak, FmaPeak.Measure(threads));
    if (quiet.OthersPercent() is not { } others || others < 5) break;
}
var settings = new CompareSettings(quick, threads, peak, torchUnavailable, data);

Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"# MlNetConv vs peers: {(quick ? "quick" : "full")} run, {threads} threads per engine, vector512={Vector512.IsHardwareAccelerated}, {Environment.OSVersion}, .NET {Environment.Version}"));
Console.WriteLine(Measurement.Legend);
Console.WriteLine(torchUnavailable is null
    ? $"# peers: {TorchSharpPeer.Name} 0.107.0 (LibTorch 2.10), {ResNetInferenceCase.Peer} 1.31.1"
    : $"# peers: {ResNetInferenceCase.Peer} 1.31.1; {TorchSharpPeer.Name} unavailable: {torchUnavailable}");
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"case=fma_peak mlnetconv={peak:F1} unit=GFLOP/s note=\"FP32 FMA loop on {threads} threads ({(Vector512.IsHardwareAccelerated ? "Vector512" : "Vector256")}): the peak of this machine now\""));

var groups = new (string Name, Action<CompareSettings> Run)[]
{
    ("sgemm", SgemmCase.Run),
    ("conv", ConvolutionCase.Run),
    ("lenet", LeNetTrainingCase.Run),
    ("resnet", ResNetInferenceCase.Run),
    ("fashion", FashionMnistEpochCase.Run),
};
foreach (var (name, run) in groups)
{
    if (only is not null && !name.Contains(only, StringComparison.OrdinalIgnoreCase)) continue;
    var load = MachineLoad.Start();
    run(settings);
    if (load.OthersPercent() is { } others)
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# other processes took {others:F0}% of the cores during the {name} cases"));
}
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# done in {clock.Elapsed.TotalSeconds:F0} s"));
return 0;
