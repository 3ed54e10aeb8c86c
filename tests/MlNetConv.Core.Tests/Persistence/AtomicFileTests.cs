using MlNetConv.Persistence;

namespace MlNetConv.Tests.Persistence;

public sealed class AtomicFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("atomic-file-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Commit_ReplacesTheTarget_AndLeavesNoTemporary()
    {
        string path = Path.Combine(_folder, "sub", "model.bin");
        foreach (byte[] content in new byte[][] { [1, 2, 3], [4, 5] })
        {
            using var file = AtomicFile.Create(path);
            file.Stream.Write(content);
            file.Commit();
            Assert.Equal(content, File.ReadAllBytes(path));
        }
        Assert.Equal(["model.bin"], Directory.GetFiles(Path.GetDirectoryName(path)!).Select(Path.GetFileName));
    }

    [Fact]
    public void FailureBeforeCommit_KeepsThePreviousFile_AndDeletesTheTemporary()
    {
        string path = Path.Combine(_folder, "model.bin");
        File.WriteAllBytes(path, [7, 7, 7]);
        void WriteThenFail()
        {
            using var file = AtomicFile.Create(path);
            file.Stream.Write([1, 2]);
            throw new IOException("disk full");
        }
        Assert.Throws<IOException>(WriteThenFail);
        Assert.Equal([7, 7, 7], File.ReadAllBytes(path));
        Assert.Equal(["model.bin"], Directory.GetFiles(_folder).Select(Path.GetFileName));
    }

    [Fact]
    public void Create_RemovesTheTemporariesOfKilledWriters_AndKeepsThoseOfLiveOnes()
    {
        string path = Path.Combine(_folder, "model.bin");
        string Temporary(int pid) => $"{path}.{pid}.{Guid.NewGuid():N}.tmp";
        string dead = Temporary(DeadProcessId()), live = Temporary(Environment.ProcessId);
        // A temporary of a running process's id written before that process started: a killed writer's, the id since reused.
        string reused = Temporary(1);
        string other = Path.Combine(_folder, "other.bin.123.tmp"), unrelated = path + ".backup.tmp";
        foreach (string file in new[] { dead, live, reused, other, unrelated }) File.WriteAllBytes(file, [1]);
        File.SetLastWriteTimeUtc(reused, new DateTime(1990, 1, 1, 0, 0, 0, DateTimeKind.Utc));

        using (var file = AtomicFile.Create(path))
        {
            file.Stream.Write([9]);
            file.Commit();
        }
        Assert.Equal(new[] { "model.bin", Path.GetFileName(live), "other.bin.123.tmp", "model.bin.backup.tmp" }.Order(),
            Directory.GetFiles(_folder).Select(Path.GetFileName).Order());
        Assert.Equal(0, AtomicFile.RemoveStaleTemporaries(path));
    }

    /// <summary>A process id that no process has: that of a child process that has exited.</summary>
    private static int DeadProcessId()
    {
        using var child = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("dotnet", "--version") { RedirectStandardOutput = true })!;
        child.WaitForExit();
        return child.Id;
    }
}
