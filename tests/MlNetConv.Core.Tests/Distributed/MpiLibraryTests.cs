using MlNetConv.Distributed;

namespace MlNetConv.Tests.Distributed;

/// <summary>The run-time binding of Open MPI: what a missing library or another MPI's library gets.</summary>
public sealed class MpiLibraryTests
{
    [Fact]
    public void AMissingLibraryIsNamedWithTheLoadersReason()
    {
        string path = Path.Combine(Path.GetTempPath(), "no-such-folder", "libmpi.so.40");
        var e = Assert.Throws<DllNotFoundException>(() => MpiLibrary.Load(path));
        Assert.Contains($"'{path}' could not be loaded", e.Message);
        Assert.Contains("No such file", e.Message);
    }

    [Fact]
    public void ALibraryThatIsNotOpenMpiIsRefusedByName()
    {
        var e = Assert.Throws<DllNotFoundException>(() => MpiLibrary.Load("libc.so.6"));
        Assert.Contains("'libc.so.6' has no export 'ompi_mpi_comm_world': it is not Open MPI's library", e.Message);
    }

    [SkippableFact]
    public void OpenMpisHandlesAreItsExportedObjects()
    {
        MlNetConv.Tests.Shared.MpiJob.RequireLauncher();
        var mpi = MpiLibrary.Load();
        Assert.Equal("libmpi.so.40", mpi.Name);
        nint[] handles = [mpi.CommWorld, mpi.Float, mpi.Double, mpi.Byte, mpi.Int, mpi.Sum];
        Assert.DoesNotContain(0, handles);
        Assert.Equal(handles.Length, handles.Distinct().Count());
        Assert.False(mpi.Initialized()); // loading alone starts nothing
    }
}
