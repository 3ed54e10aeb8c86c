// Scoring and persistence measurements for the ML.NET integration, one line per case:
//   throughput: batched Transform vs per-row PredictionEngine vs the reloaded (per-row) chain, LeNet-5 on the
//               2,000 held-out digits, rows/s as the median of repeated runs;
//   save/load:  a ResNet-18 classifier (11.7 M parameters) through ml.Model.Save and ml.Model.Load, each in its
//               own process so that its peak memory (peak working set) is its own.
// Usage: ScoringBench [throughput | resnet-save <zip> | resnet-load <zip> | all]
using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetConv.Data;
using MlNetConv.Estimators;
using MlNetConv.Estimators.Persistence;
using MlNetConv.Optimizers;
using MlNetConv.Zoo;

string mode = args.Length > 0 ? args[0] : "all";
switch (mode)
{
    case "throughput": Throughput(); break;
    case "resnet-save": ResNetSave(args[1]); break;
    case "resnet-load": ResNetLoad(args[1]); break;
    case "all":
        Throughput();
        string zip = Path.Combine(Path.GetTempPath(), $"resnet18-{Environment.ProcessId}.zip");
        try
        {
            Child("resnet-save", zip);
            Child("resnet-load", zip);
        }
        finally
        {
            File.Delete(zip);
        }
        break;
    default:
        Console.Error.WriteLine("usage: ScoringBench [throughput | resnet-save <zip> | resnet-load <zip> | all]");
        return 2;
}
return 0;

static void Throughput()
{
    var ml = new MLContext(seed: 1);
    var digits = MnistDigits.Load(MnistDigits.FindDefault());
    var train = ml.Data.LoadFromEnumerable(Digits(digits, 0, 2000));
    var rows = Digits(digits, 8000, 2000).ToList();
    var test = ml.Data.LoadFromEnumerable(rows);
    var model = ml.Transforms.Conversion.MapValueToKey("Label")
        .Append(ml.MulticlassClassification.Trainers.ConvNet(ml, new ConvNetClassificationOptions
        {
            Architecture = Architectures.LeNet5(), Epochs = 1, BatchSize = 32, Seed = 1, Optimizer = new SgdOptions(0.05f, 0.9f),
        }))
        .Fit(train);
    string zip = Path.Combine(Path.GetTempPath(), $"lenet-{Environment.ProcessId}.zip");
    ml.Model.Save(model, test.Schema, zip);
    var loaded = ml.Model.Load(zip, out _);
    File.Delete(zip);

    double Batched() => Rate(rows.Count, () => { foreach (var _ in model.Transform(test).GetColumn<uint>("PredictedLabel")) { } });
    var engine = ml.Model.CreatePredictionEngine<Digit, Prediction>(model);
    double PerRow() => Rate(rows.Count, () => { foreach (var row in rows) engine.Predict(row); });
    var loadedEngine = ml.Model.CreatePredictionEngine<Digit, Prediction>(loaded);
    double LoadedPerRow() => Rate(rows.Count, () => { foreach (var row in rows) loadedEngine.Predict(row); });
    double LoadedBatched() => Rate(rows.Count, () => { foreach (var _ in loaded.Transform(test).GetColumn<uint>("PredictedLabel")) { } });

    var results = Median(7, Batched, PerRow, LoadedPerRow, LoadedBatched);
    Console.WriteLine($"case=lenet5_transform_batched rows_per_s={results[0]:F0}");
    Console.WriteLine($"case=lenet5_prediction_engine rows_per_s={results[1]:F0} ratio_batched_vs_engine={results[0] / results[1]:F2}");
    Console.WriteLine($"case=lenet5_loaded_prediction_engine rows_per_s={results[2]:F0}");
    Console.WriteLine($"case=lenet5_loaded_transform rows_per_s={results[3]:F0}");
}

static void ResNetSave(string zip)
{
    var clock = Stopwatch.StartNew();
    var ml = new MLContext(seed: 1);
    // Two 3x64x64 images are enough to fit; the label key has 1,000 values, so the head is ImageNet's.
    var classes = Enumerable.Range(0, 1000).Select(i => new Key { Label = $"class{i}" });
    var images = new[] { Image("class3", 1), Image("class7", 2) };
    var data = ml.Data.LoadFromEnumerable(images);
    var model = ml.Transforms.Conversion.MapValueToKey("Label", keyData: ml.Data.LoadFromEnumerable(classes))
        .Append(ml.MulticlassClassification.Trainers.ConvNet(ml, new ConvNetClassificationOptions
        {
            Architecture = Architectures.ResNet18(1000), Epochs = 1, BatchSize = 2, Seed = 1, Optimizer = new SgdOptions(1e-4f),
        }))
        .Fit(data);
    var trained = clock.Elapsed;
    long before = Process.GetCurrentProcess().PeakWorkingSet64;
    clock.Restart();
    ml.Model.Save(model, data.Schema, zip);
    var saved = clock.Elapsed;
    Console.WriteLine($"case=resnet18_model_save parameters={model.FindConvNet().Model.Bytes.Length / 4} zip_mb={new FileInfo(zip).Length / 1e6:F1} " +
        $"save_s={saved.TotalSeconds:F2} peak_mb={Process.GetCurrentProcess().PeakWorkingSet64 / 1e6:F0} peak_before_save_mb={before / 1e6:F0} fit_s={trained.TotalSeconds:F1}");
}

static void ResNetLoad(string zip)
{
    var clock = Stopwatch.StartNew();
    var ml = new MLContext(seed: 1);
    var loaded = ml.Model.Load(zip, out _);
    var load = clock.Elapsed;
    Console.Error.WriteLine($"after load: ws {Environment.WorkingSet / 1e6:F0} MB, peak {Process.GetCurrentProcess().PeakWorkingSet64 / 1e6:F0} MB, heap {GC.GetTotalMemory(false) / 1e6:F0} MB");
    var engine = ml.Model.CreatePredictionEngine<ImageRow, Prediction>(loaded);
    Console.Error.WriteLine($"after engine: ws {Environment.WorkingSet / 1e6:F0} MB, peak {Process.GetCurrentProcess().PeakWorkingSet64 / 1e6:F0} MB, heap {GC.GetTotalMemory(false) / 1e6:F0} MB");
    var prediction = engine.Predict(Image("class3", 1));
    Console.Error.WriteLine($"after predict: ws {Environment.WorkingSet / 1e6:F0} MB, peak {Process.GetCurrentProcess().PeakWorkingSet64 / 1e6:F0} MB, heap {GC.GetTotalMemory(false) / 1e6:F0} MB");
    var first = clock.Elapsed - load;
    Console.WriteLine($"case=resnet18_model_load load_s={load.TotalSeconds:F2} first_prediction_s={first.TotalSeconds:F2} " +
        $"classes={prediction.Score.Length} peak_mb={Process.GetCurrentProcess().PeakWorkingSet64 / 1e6:F0}");
}

static void Child(string mode, string zip)
{
    using var process = Process.Start(new ProcessStartInfo(Environment.ProcessPath!, [mode, zip]) { RedirectStandardOutput = true })!;
    Console.Write(process.StandardOutput.ReadToEnd());
    process.WaitForExit();
    if (process.ExitCode != 0) throw new InvalidOperationException($"{mode} failed with exit code {process.ExitCode}");
}

static ImageRow Image(string label, ulong seed)
{
    var random = new MlNetConv.Tensors.RandomStream(seed);
    return new ImageRow { Label = label, Features = [.. Enumerable.Range(0, 3 * 64 * 64).Select(_ => random.NextFloat())] };
}

static IEnumerable<Digit> Digits(MnistDigits digits, int start, int count)
{
    for (int i = start; i < start + count; i++)
    {
        var row = new Digit { Label = (uint)digits.Label(i), Features = new float[MnistDigits.PixelsPerImage] };
        digits.CopyImage(i, row.Features);
        yield return row;
    }
}

static double Rate(int rows, Action run)
{
    var clock = Stopwatch.StartNew();
    run();
    return rows / clock.Elapsed.TotalSeconds;
}

/// Runs the cases alternately, after one warm-up round, and returns each one's median.
static double[] Median(int repeats, params Func<double>[] cases)
{
    foreach (var c in cases) c();
    var samples = cases.Select(_ => new List<double>()).ToArray();
    for (int r = 0; r < repeats; r++)
        for (int i = 0; i < cases.Length; i++) samples[i].Add(cases[i]());
    return [.. samples.Select(s => s.Order().ElementAt(s.Count / 2))];
}

internal sealed class Digit
{
    public uint Label { get; set; }

    [VectorType(1, 28, 28)]
    public float[] Features { get; set; } = [];
}

internal sealed class ImageRow
{
    public string Label { get; set; } = "";

    [VectorType(3, 64, 64)]
    public float[] Features { get; set; } = [];
}

internal sealed class Key
{
    public string Label { get; set; } = "";
}

internal sealed class Prediction
{
    public uint PredictedLabel { get; set; }
    public float[] Score { get; set; } = [];
}
