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

    public override string ToString() => Kind == DeviceKind.Gpu ? $"gpu:{Id}" : Kind.ToString().ToLowerInvariant();
}
