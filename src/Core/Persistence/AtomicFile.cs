namespace MlNetConv.Persistence;

/// <summary>
/// A file that is either whole or absent: the content goes to a temporary file beside the target, is flushed to disk,
/// then renamed over the target by <see cref="Commit"/>, so a failure part-way (a full disk, an exception, a crash)
/// never leaves a half-written file or destroys the previous one. Disposing without committing deletes the temporary.
/// <code>
/// using var file = AtomicFile.Create(path);
/// Write(file.Stream);
/// file.Commit();
/// </code>
/// </summary>
public sealed class AtomicFile : IDisposable
{
    private readonly string _path, _temporary;
    private readonly FileStream _stream;
    private bool _committed;

    private AtomicFile(string path)
    {
        _path = Path.GetFullPath(path);
        string? dir = Path.GetDirectoryName(_path);
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        _temporary = _path + $".{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        _stream = new FileStream(_temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None);
    }

    /// <summary>Opens a temporary file beside <paramref name="path"/> (creating its folder if needed).</summary>
    public static AtomicFile Create(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return new AtomicFile(path);
    }

    /// <summary>Where the content goes; leave it open (wrapping streams with leaveOpen: true).</summary>
    public Stream Stream => _stream;

    /// <summary>Flushes the content to disk and renames it over the target.</summary>
    public void Commit()
    {
        ObjectDisposedException.ThrowIf(_committed, this);
        _stream.Flush(flushToDisk: true);
        _stream.Dispose();
        File.Move(_temporary, _path, overwrite: true);
        _committed = true;
    }

    public void Dispose()
    {
        _stream.Dispose();
        if (!_committed && File.Exists(_temporary)) File.Delete(_temporary);
    }
}
