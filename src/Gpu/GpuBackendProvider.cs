using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using MlNetConv.Backends;

namespace MlNetConv.Gpu;

/// <summary>
/// The CUDA GPUs for <see cref="Devices"/>: registered when this assembly is loaded (MlNetConv.Estimators loads it for
/// every ML.NET application), so <c>Device.Gpu(id)</c> then runs on CUDA device id. (ILGPU's CPU accelerator is not
/// listed: tests create it explicitly with <see cref="GpuBackend.CreateCpuAccelerator"/>.)
/// </summary>
public sealed class GpuBackendProvider : IGpuBackendProvider
{
    private readonly Lazy<(IReadOnlyList<string> Devices, string? Problem)> _probe = new(GpuBackend.ProbeCuda);

    public string Name => "ILGPU/CUDA";

    public IReadOnlyList<string> ListGpus() => _probe.Value.Devices;

    public string WhyNoGpu => $"{Name} is deployed but {_probe.Value.Problem ?? "found no GPU"}";

    public IBackend Create(int id)
    {
        var gpus = ListGpus();
        if ((uint)id >= (uint)gpus.Count)
            throw new ArgumentOutOfRangeException(nameof(id), id, gpus.Count == 0 ? "There is no CUDA GPU." : $"There are {gpus.Count} CUDA GPUs (ids 0..{gpus.Count - 1}).");
        return GpuBackend.CreateCuda(id);
    }

    /// <summary>Registers the provider with <see cref="Devices"/> once, when this assembly is first used.</summary>
    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255", Justification = "Registration on load is the point: Device.Gpu works without a call.")]
    internal static void RegisterOnLoad() => Devices.Register(new GpuBackendProvider());
}
