using MlNetConv.Backends;

namespace MlNetConv.Estimators.DependencyInjection;

/// <summary>Settings of <see cref="MlNetConvServiceCollectionExtensions.AddMlNetConv"/>.</summary>
public sealed class MlNetConvServiceOptions
{
    /// <summary>Where models score: the CPU, a GPU by id, or the first GPU when there is one.</summary>
    public Device Device { get; set; } = Device.Cpu;

    /// <summary>Use the CPU when the GPU asked for cannot be used, instead of failing at start-up.</summary>
    public bool FallbackToCpu { get; set; } = true;

    /// <summary>The seed of the registered MLContext.</summary>
    public int? Seed { get; set; }
}
