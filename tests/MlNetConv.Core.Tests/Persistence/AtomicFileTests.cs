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
}
