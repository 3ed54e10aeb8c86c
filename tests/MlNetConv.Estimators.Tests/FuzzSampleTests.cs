using MlNetConv.Fuzz;
using SkiaSharp;

namespace MlNetConv.Estimators.Tests;

/// <summary>
/// A bounded sample of the mutation fuzzer (tests/MlNetConv.Fuzz, whose program runs the long campaign): engine model
/// files with forgeries re-sealed under a valid checksum, ML.NET model zips, PNG and JPEG images. Every case must end
/// in a clean error or a load, never a crash or a hang, and allocate no more than its budget. Allocations are counted
/// for the whole process, so the sample runs alone, after the tests that run in parallel.
/// </summary>
[Collection(AllocationMeasurements.Name)]
public sealed class FuzzSampleTests
{
    [Fact]
    public void MutatedModelFilesZipsAndImages_GiveCleanErrorsOrLoads()
    {
        FuzzTarget[] targets = [new ModelFileTarget(), new ModelZipTarget(), new ImageTarget(SKEncodedImageFormat.Png), new ImageTarget(SKEncodedImageFormat.Jpeg)];
        var reports = FuzzCampaign.Run(targets, cases: 800, seed: 7, TimeSpan.FromSeconds(30));
        foreach (var report in reports)
        {
            Assert.True(report.Clean, $"{report}\n{string.Join("\n", report.Failures)}");
            Assert.Equal(200, report.Cases);
            // Every kind of damage is refused often: a quarter of the cases at least. (A JPEG has no checksum: damage to
            // its entropy-coded data mostly decodes to another picture, which no reader can tell from a real one.)
            Assert.True(report[Outcome.CleanError] >= 50, report.ToString());
        }
    }
}
