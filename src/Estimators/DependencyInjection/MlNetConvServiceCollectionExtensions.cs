using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.ML;
using Microsoft.ML.Runtime;
using MlNetConv.Backends;

namespace MlNetConv.Estimators.DependencyInjection;

public static class MlNetConvServiceCollectionExtensions
{
    /// <summary>
    /// Registers the engine for apps and services: the backend of the chosen device (<see cref="IBackend"/>, the
    /// choice written to MLContext.Log), an <see cref="MLContext"/> singleton, and, through the returned builder's
    /// <see cref="MlNetConvBuilder.AddModel{TInput, TOutput}"/>, models loaded from files and served by a thread-safe
    /// <see cref="PredictionEnginePool{TInput, TOutput}"/>.
    /// </summary>
    public static MlNetConvBuilder AddMlNetConv(this IServiceCollection services, Action<MlNetConvServiceOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = new MlNetConvServiceOptions();
        configure?.Invoke(options);
        services.TryAddSingleton(options);
        services.TryAddSingleton(_ => new MLContext(options.Seed)
        {
            GpuDeviceId = options.Device.Kind == DeviceKind.Gpu ? options.Device.Id : null,
            FallbackToCpu = options.FallbackToCpu,
        });
        services.TryAddSingleton(provider =>
        {
            var (backend, choice) = Devices.Create(options.Device, options.FallbackToCpu);
            using var channel = ((IHostEnvironment)provider.GetRequiredService<MLContext>()).Register("MlNetConv").Start("Device");
            channel.Info(MessageSensitivity.None, choice);
            return backend;
        });
        return new MlNetConvBuilder(services);
    }
}
