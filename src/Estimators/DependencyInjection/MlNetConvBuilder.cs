using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace MlNetConv.Estimators.DependencyInjection;

/// <summary>Adds models to the services registered by <see cref="MlNetConvServiceCollectionExtensions.AddMlNetConv"/>.</summary>
public sealed class MlNetConvBuilder
{
    /// <summary>The models of each (input, output) pool, by name; the pool reads them when it is first resolved.</summary>
    private readonly Dictionary<Type, Dictionary<string, string>> _models = [];

    internal MlNetConvBuilder(IServiceCollection services) => Services = services;

    public IServiceCollection Services { get; }

    /// <summary>
    /// Serves the ML.NET model zip at <paramref name="path"/> (saved with <c>ml.Model.Save</c>) under
    /// <paramref name="name"/> from the singleton <see cref="PredictionEnginePool{TInput, TOutput}"/>. ConvNet
    /// classifiers in it score on the registered device.
    /// </summary>
    public MlNetConvBuilder AddModel<TInput, TOutput>(string path, string name = PredictionEnginePool<TInput, TOutput>.DefaultModelName)
        where TInput : class where TOutput : class, new()
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentException.ThrowIfNullOrEmpty(name);
        var key = typeof(PredictionEnginePool<TInput, TOutput>);
        if (!_models.TryGetValue(key, out var models))
        {
            _models[key] = models = [];
            Services.TryAddSingleton(provider => new PredictionEnginePool<TInput, TOutput>(
                provider.GetRequiredService<Microsoft.ML.MLContext>(), provider.GetRequiredService<Backends.IBackend>(), models));
        }
        if (!models.TryAdd(name, Path.GetFullPath(path)))
            throw new ArgumentException($"A model named '{name}' is already registered for {typeof(TInput).Name} -> {typeof(TOutput).Name}.", nameof(name));
        return this;
    }
}
