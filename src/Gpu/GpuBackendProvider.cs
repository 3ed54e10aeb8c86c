using MlNetConv.Backends;

namespace MlNetConv.Gpu;

/// <summary>
/// The CUDA GPUs for <see cref="Devices"/>, which finds this type by name when MlNetConv.Gpu is deployed with the
/// application: <c>Device.Gpu(id)</c> then runs on CUDA device id. (ILGPU's CPU accelerator is not listed: tests create
/// it explicitly with <see cref="GpuBackend.CreateCpuAccelerator"/>.)
/// </summary>
public sealed class GpuBackendProvider : IGpuBackendProvider
{
    private readonly Lazy<IReadOnlyList<string>> _gpus = new(GpuBackend.ListCudaDevices);

    public string Name => "ILGPU/CUDA";

    public IReadOnlyList<string> ListGpus() => _gpus.Value;

    public IBackend Create(int id)
    {
        var gpus = ListGpus();
        if ((uint)id >= (uint)gpus.Count)
            throw new ArgumentOutOfRangeException(nameof(id), id, gpus.Count == 0 ? "There is no CUDA GPU." : $"There are {gpus.Count} CUDA GPUs (ids 0..{gpus.Count - 1}).");
        return GpuBackend.CreateCuda(id);
    }
}
