namespace MlNetConv.Tests.Support;

/// <summary>
/// Tests that bound what one operation allocates run alone: GC.GetTotalAllocatedBytes counts every thread, so test
/// classes running beside them would be counted too.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AllocationMeasurements
{
    public const string Name = "Allocation measurements";
}
