using Microsoft.Extensions.ObjectPool;
using Microsoft.ML;
using MlNetConv.Backends;
using MlNetConv.Estimators.Persistence;

namespace MlNetConv.Estimators.DependencyInjection;

/// <summary>
/// Thread-safe predictions for apps and services: each named model is loaded once, and ML.NET's prediction engines
/// (which are not thread-safe) are pooled, so any number of threads can call <see cref="Predict(TInput)"/> at once.
/// </summary>
public sealed class PredictionEnginePool<TInput, TOutput> where TInput : class where TOutput : class, new()
{
    public const string DefaultModelName = "default";

    private readonly Dictionary<string, (ITransformer Model, ObjectPool<PredictionEngine<TInput, TOutput>> Engines)> _models;

    internal PredictionEnginePool(MLContext ml, IBackend backend, IReadOnlyDictionary<string, string> paths)
    {
        var pools = new DefaultObjectPoolProvider { MaximumRetained = Environment.ProcessorCount * 2 };
        _models = paths.ToDictionary(p => p.Key, p =>
        {
            var model = Load(ml, p.Key, p.Value).WithBatchedScoring(backend);
            return (model, pools.Create(new EnginePolicy(ml, model)));
        });
    }

    public IEnumerable<string> ModelNames => _models.Keys;

    /// <summary>The loaded model, for batch scoring with <c>Transform</c>.</summary>
    public ITransformer GetModel(string modelName = DefaultModelName) => Entry(modelName).Model;

    public TOutput Predict(TInput example) => Predict(DefaultModelName, example);

    /// <summary>A prediction from a pooled engine; a new output object each call.</summary>
    public TOutput Predict(string modelName, TInput example)
    {
        var engines = Entry(modelName).Engines;
        var engine = engines.Get();
        try
        {
            return engine.Predict(example);
        }
        finally
        {
            engines.Return(engine);
        }
    }

    private (ITransformer Model, ObjectPool<PredictionEngine<TInput, TOutput>> Engines) Entry(string modelName) =>
        _models.TryGetValue(modelName, out var entry) ? entry
        : throw new ArgumentException($"No model named '{modelName}' is registered for {typeof(TInput).Name} -> {typeof(TOutput).Name}; the models are: {string.Join(", ", _models.Keys)}.", nameof(modelName));

    private static ITransformer Load(MLContext ml, string name, string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Model '{name}': file '{path}' does not exist.", path);
        try
        {
            return ml.Model.Load(path, out _);
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or InvalidOperationException or IOException)
        {
            throw new InvalidDataException($"Model '{name}': file '{path}' could not be loaded: {e.Message}", e);
        }
    }

    private sealed class EnginePolicy(MLContext ml, ITransformer model) : IPooledObjectPolicy<PredictionEngine<TInput, TOutput>>
    {
        public PredictionEngine<TInput, TOutput> Create() => ml.Model.CreatePredictionEngine<TInput, TOutput>(model);
        public bool Return(PredictionEngine<TInput, TOutput> engine) => true;
    }
}
