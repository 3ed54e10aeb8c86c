using System.Globalization;

namespace MlNetConv.Backends;

public enum DeviceKind
{
    /// <summary>The CPU backend.</summary>
    Cpu,

    /// <summary>A GPU by id; an error when there is none, unless falling back to the CPU is allowed.</summary>
    Gpu,

    /// <summary>The first GPU when one can be used, else the CPU.</summary>
    Auto,
}

/// <summary>Where a network runs: <see cref="Cpu"/>, <see cref="Gpu"/>(id) or <see cref="Auto"/>. Resolved to a backend by <see cref="Devices"/>.</summary>
public readonly record struct Device(DeviceKind Kind, int Id = 0)
{
    public static Device Cpu => new(DeviceKind.Cpu);
    public static Device Auto => new(DeviceKind.Auto);
    public static Device Gpu(int id = 0) => id >= 0 ? new(DeviceKind.Gpu, id) : throw new ArgumentOutOfRangeException(nameof(id), id, "A GPU id is 0 or more.");

    /// <summary>Reads <c>cpu</c>, <c>gpu</c>, <c>gpu:ID</c> or <c>auto</c> (any case), the form <see cref="ToString"/> writes.</summary>
    public static bool TryParse(string? text, out Device device)
    {
        string value = (text ?? "").Trim().ToLowerInvariant();
        device = Cpu;
        if (value == "cpu") return true;
        if (value == "auto") { device = Auto; return true; }
        if (value == "gpu") { device = Gpu(); return true; }
        if (value.StartsWith("gpu:", StringComparison.Ordinal) && int.TryParse(value.AsSpan(4), NumberStyles.None, CultureInfo.InvariantCulture, out int id))
        {
            device = Gpu(id);
            return true;
        }
        return false;
    }

    public static Device Parse(string text) =>
        TryParse(text, out var device) ? device : throw new FormatException($"A device is cpu, gpu, gpu:ID or auto, got '{text}'.");

    public override string ToString() => Kind == DeviceKind.Gpu ? $"gpu:{Id}" : Kind.ToString().ToLowerInvariant();
}
