using MlNetConv.Backends.Cpu;

namespace MlNetConv.Backends;

/// <summary>A GPU backend family (e.g. the one in the MlNetConv.Gpu assembly), registered with <see cref="Devices.Register"/>.</summary>
public interface IGpuBackendProvider
{
    string Name { get; }

    /// <summary>The usable GPUs, by id: e.g. "NVIDIA H200 (139 GiB)".</summary>
    IReadOnlyList<string> ListGpus();

    IBackend Create(int id);

    /// <summary>Why <see cref="ListGpus"/> is empty (no driver, a library that cannot be loaded), for the messages that say no GPU is used.</summary>
    string WhyNoGpu => $"{Name} found no GPU";
}

/// <summary>
/// Resolves a <see cref="Device"/> to a backend. GPU backends come from registered providers: MlNetConv.Gpu registers
/// its own when it is loaded, and so does MlNetConv.Estimators (which deploys it) for ML.NET applications, so those
/// need no registration call; a program on the engine alone calls <see cref="Register"/>.
/// </summary>
public static class Devices
{
    private static readonly List<IGpuBackendProvider> Providers = [];
    private static readonly Lock Gate = new();

    public static void Register(IGpuBackendProvider provider)
    {
        ArgumentNullException.ThrowIfNull(provider);
        lock (Gate)
            if (!Providers.Any(p => p.GetType() == provider.GetType())) Providers.Add(provider);
    }

    /// <summary>The usable GPUs of every provider, with their ids.</summary>
    public static IReadOnlyList<(IGpuBackendProvider Provider, int Id, string Description)> ListGpus()
    {
        lock (Gate)
            return [.. Providers.SelectMany(p => p.ListGpus().Select((d, i) => (p, i, d)))];
    }

    /// <summary>The backend for <paramref name="device"/>, and a sentence saying what was chosen and why (for logs).</summary>
    /// <exception cref="InvalidOperationException">a GPU was asked for, there is none with that id, and falling back is not allowed</exception>
    public static (IBackend Backend, string Choice) Create(Device device, bool fallbackToCpu = false)
    {
        if (device.Kind == DeviceKind.Cpu) return (CpuBackend.Default, "Device: CPU.");
        var gpus = ListGpus();
        int id = device.Kind == DeviceKind.Gpu ? device.Id : 0;
        if (id < gpus.Count)
        {
            var (provider, localId, description) = gpus[id];
            return (provider.Create(localId), $"Device: GPU {id}, {description} ({provider.Name}).");
        }
        string reason = gpus.Count > 0 ? $"GPU {id} does not exist; the GPUs are {string.Join(", ", gpus.Select((g, i) => $"{i}: {g.Description}"))}"
            : RegisteredProviders() is { Count: > 0 } providers ? string.Join("; ", providers.Select(p => p.WhyNoGpu))
            : "no GPU backend is registered (MlNetConv.Estimators brings MlNetConv.Gpu; a program on the engine alone calls Devices.Register(new GpuBackendProvider()))";
        if (device.Kind == DeviceKind.Auto) return (CpuBackend.Default, $"Device: CPU ({reason}).");
        if (fallbackToCpu) return (CpuBackend.Default, $"Device: CPU, falling back because {reason}.");
        throw new InvalidOperationException($"Device {device} was asked for but {reason}. Allow falling back to the CPU (MLContext.FallbackToCpu) or choose Device.Cpu.");
    }

    private static List<IGpuBackendProvider> RegisteredProviders()
    {
        lock (Gate) return [.. Providers];
    }
}
