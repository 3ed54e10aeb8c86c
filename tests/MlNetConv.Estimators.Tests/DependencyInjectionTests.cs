using Microsoft.Extensions.DependencyInjection;
using Microsoft.ML;
using MlNetConv.Backends;
using MlNetConv.Estimators.DependencyInjection;
using MlNetConv.Graphs;
using MlNetConv.Optimizers;
using static MlNetConv.Tests.Shared.BarImages;

namespace MlNetConv.Estimators.Tests;

public sealed class DependencyInjectionTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mlnetconv-di-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private (string Path, ITransformer Model) SavedModel()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Bars(150, 1));
        var model = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.MulticlassClassification.Trainers.ConvNet(ml, new ConvNetClassificationOptions
            {
                Architecture = new NetworkBuilder().Conv2d(4, 3, padding: 1).ReLU().MaxPool2d(2).Flatten().Dense(3).Build(),
                Epochs = 4, BatchSize = 16, Seed = 3, Optimizer = new SgdOptions(0.05f, 0.9f),
            }))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"))
            .Fit(data);
        string path = Path.Combine(_directory, "bars.zip");
        ml.Model.Save(model, data.Schema, path);
        return (path, model);
    }

    [Fact]
    public async Task ThePoolServesHundredsOfConcurrentPredictionsCorrectly()
    {
        var (path, model) = SavedModel();
        var services = new ServiceCollection();
        services.AddMlNetConv(o => o.Seed = 1).AddModel<Input, Output>(path).AddModel<Input, Output>(path, "second");
        using var provider = services.BuildServiceProvider();
        var pool = provider.GetRequiredService<PredictionEnginePool<Input, Output>>();
        Assert.Same(pool, provider.GetRequiredService<PredictionEnginePool<Input, Output>>());
        Assert.Equal(["default", "second"], pool.ModelNames.Order());

        var rows = Bars(50, 9);
        var ml = new MLContext();
        var expected = ml.Data.CreateEnumerable<Output>(model.Transform(ml.Data.LoadFromEnumerable(rows)), reuseRowObject: false).ToList();
        var results = new Output[500];
        await Parallel.ForEachAsync(Enumerable.Range(0, results.Length), new ParallelOptions { MaxDegreeOfParallelism = 16 }, (i, _) =>
        {
            results[i] = pool.Predict(i % 2 == 0 ? "default" : "second", rows[i % rows.Count]);
            return ValueTask.CompletedTask;
        });
        for (int i = 0; i < results.Length; i++)
        {
            Assert.Equal(expected[i % rows.Count].PredictedLabel, results[i].PredictedLabel);
            Assert.Equal(expected[i % rows.Count].Score, results[i].Score);
        }
    }

    [Fact]
    public void AMissingModelFileOrUnknownNameIsNamed()
    {
        var services = new ServiceCollection();
        string missing = Path.Combine(_directory, "missing.zip");
        services.AddMlNetConv().AddModel<Input, Output>(missing, "digits");
        using var provider = services.BuildServiceProvider();
        var error = Assert.Throws<FileNotFoundException>(() => provider.GetRequiredService<PredictionEnginePool<Input, Output>>());
        Assert.Contains("'digits'", error.Message);
        Assert.Contains(missing, error.Message);

        var (path, _) = SavedModel();
        var ok = new ServiceCollection();
        ok.AddMlNetConv().AddModel<Input, Output>(path);
        using var okProvider = ok.BuildServiceProvider();
        var unknown = Assert.Throws<ArgumentException>(() => okProvider.GetRequiredService<PredictionEnginePool<Input, Output>>().Predict("other", Bars(1, 1)[0]));
        Assert.Contains("'other'", unknown.Message);
    }

    [Fact]
    public void AGpuThatIsNotThereFailsClearlyUnlessFallingBackIsAllowed()
    {
        var strict = new ServiceCollection();
        strict.AddMlNetConv(o => { o.Device = Device.Gpu(3); o.FallbackToCpu = false; });
        using var strictProvider = strict.BuildServiceProvider();
        var error = Assert.Throws<InvalidOperationException>(() => strictProvider.GetRequiredService<IBackend>());
        Assert.Contains("gpu:3", error.Message);

        var lenient = new ServiceCollection();
        lenient.AddMlNetConv(o => { o.Device = Device.Gpu(3); o.FallbackToCpu = true; });
        using var lenientProvider = lenient.BuildServiceProvider();
        var messages = new List<string>();
        lenientProvider.GetRequiredService<MLContext>().Log += (_, e) => messages.Add(e.Message);
        Assert.Equal("cpu", lenientProvider.GetRequiredService<IBackend>().Name);
        Assert.Contains(messages, m => m.Contains("falling back"));
    }
}
