// An app that serves digit predictions concurrently through the dependency-injection registration:
// AddMlNetConv() registers the device, an MLContext and a pool of prediction engines over a model file.
// Usage: dotnet run -c Release --project samples/DigitService [model.zip]
// Without a model it first trains a small LeNet-5 (3 epochs) on the bundled digits and saves it.
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.ML;
using Microsoft.ML.Runtime;
using MlNetConv.Backends;
using MlNetConv.Data;
using MlNetConv.Estimators;
using MlNetConv.Estimators.DependencyInjection;
using MlNetConv.Optimizers;
using MlNetConv.Preprocessing;
using MlNetConv.Samples.DigitService;
using MlNetConv.Zoo;

var digits = MnistDigits.Load(MnistDigits.FindDefault());
string modelPath = args.Length > 0 ? args[0] : TrainModel(digits);

// Registration, as in an ASP.NET Core or worker-service Program.cs.
var services = new ServiceCollection();
services.AddMlNetConv(options => { options.Device = Device.Auto; options.FallbackToCpu = true; })
    .AddModel<DigitRequest, DigitPrediction>(modelPath, "digits");
using var provider = services.BuildServiceProvider();
provider.GetRequiredService<MLContext>().Log += (_, e) =>
{
    if (e.Source.StartsWith("MlNetConv") && e.Kind is ChannelMessageKind.Info or ChannelMessageKind.Warning) Console.WriteLine(e.RawMessage);
};
Console.WriteLine($"backend: {provider.GetRequiredService<IBackend>().Name}");
var pool = provider.GetRequiredService<PredictionEnginePool<DigitRequest, DigitPrediction>>();

// 2,000 requests for held-out digits from 32 concurrent callers.
const int requests = 2000;
var latencies = new double[requests];
int correct = 0;
var clock = Stopwatch.StartNew();
await Parallel.ForEachAsync(Enumerable.Range(0, requests), new ParallelOptions { MaxDegreeOfParallelism = 32 }, (i, _) =>
{
    int index = 8000 + i % (digits.Count - 8000);
    var request = new DigitRequest { Features = new float[MnistDigits.PixelsPerImage] };
    digits.CopyImage(index, request.Features);
    long start = Stopwatch.GetTimestamp();
    var prediction = pool.Predict("digits", request);
    latencies[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    if (prediction.PredictedLabel == digits.Label(index)) Interlocked.Increment(ref correct);
    return ValueTask.CompletedTask;
});
clock.Stop();
Array.Sort(latencies);
Console.WriteLine($"{requests} concurrent predictions in {clock.Elapsed.TotalSeconds:F2} s: {requests / clock.Elapsed.TotalSeconds:F0} predictions/s, " +
    $"latency p50 {latencies[requests / 2]:F2} ms, p99 {latencies[requests * 99 / 100]:F2} ms");
Console.WriteLine($"accuracy: {correct / (double)requests:F4}");

static string TrainModel(MnistDigits digits)
{
    var ml = new MLContext(seed: 1);
    var train = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 8000).Select(i =>
    {
        var row = new DigitRequest { Label = (uint)digits.Label(i), Features = new float[MnistDigits.PixelsPerImage] };
        digits.CopyImage(i, row.Features);
        return row;
    }));
    Console.WriteLine("training LeNet-5 for 3 epochs on 8,000 digits...");
    var model = ml.Transforms.Conversion.MapValueToKey("Label")
        .Append(ml.MulticlassClassification.Trainers.ConvNet(ml, new ConvNetClassificationOptions
        {
            Architecture = Architectures.LeNet5(), Epochs = 3, BatchSize = 32, Seed = 1,
            Optimizer = new SgdOptions(0.05f, 0.9f), Normalization = ChannelNormalization.Mnist,
        }))
        .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"))
        .Fit(train);
    string path = Path.Combine(AppContext.BaseDirectory, "digits.zip");
    ml.Model.Save(model, train.Schema, path);
    Console.WriteLine($"saved {path}");
    return path;
}
