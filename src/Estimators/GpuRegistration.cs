using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using MlNetConv.Backends;
using MlNetConv.Gpu;

namespace MlNetConv.Estimators;

/// <summary>
/// Registers the CUDA backend of MlNetConv.Gpu (deployed with this assembly) when this assembly loads, so an ML.NET
/// application's <c>Device.Gpu</c> and <c>MLContext.GpuDeviceId</c> work with no registration call. When the GPU
/// assembly cannot be loaded, a provider that says why stands in, and the device messages give that reason.
/// </summary>
internal static class GpuRegistration
{
    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255", Justification = "Registration on load is the point: Device.Gpu works without a call.")]
    internal static void RegisterOnLoad()
    {
        try
        {
            RegisterCuda();
        }
        catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException or TypeLoadException)
        {
            Devices.Register(new UnloadableProvider($"MlNetConv.Gpu could not be loaded ({e.GetType().Name}: {e.Message.TrimEnd('.')})"));
        }
    }

    /// <summary>Apart from <see cref="RegisterOnLoad"/>, so that a missing GPU assembly fails this call and not the initializer's compilation.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void RegisterCuda() => Devices.Register(new GpuBackendProvider());

    private sealed class UnloadableProvider(string reason) : IGpuBackendProvider
    {
        public string Name => "ILGPU/CUDA";
        public IReadOnlyList<string> ListGpus() => [];
        public string WhyNoGpu => reason;
        public IBackend Create(int id) => throw new InvalidOperationException(reason);
    }
}
