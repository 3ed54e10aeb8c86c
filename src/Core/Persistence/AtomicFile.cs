using System.Diagnostics;

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
/// The temporary is named <c>TARGET.PID.GUID.tmp</c> after the writing process, so that one killed part-way (whose
/// temporary nothing deleted) is recognised: <see cref="Create"/> removes such leftovers of its target first.
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
        RemoveStaleTemporaries(_path);
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

    /// <summary>
    /// Deletes the temporaries of <paramref name="path"/> that processes killed while writing it left behind: those whose
    /// process no longer runs, or runs under a reused id but started after the temporary was last written. Temporaries
    /// of live writers (this process's included) are left alone. Returns how many were deleted.
    /// </summary>
    public static int RemoveStaleTemporaries(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        string? folder = Path.GetDirectoryName(full);
        if (string.IsNullOrEmpty(folder) || !Directory.Exists(folder)) return 0;
        string prefix = Path.GetFileName(full) + ".";
        int removed = 0;
        foreach (string file in Directory.EnumerateFiles(folder, "*.tmp"))
        {
            string name = Path.GetFileName(file);
            if (!name.StartsWith(prefix, StringComparison.Ordinal) || WriterOf(name.AsSpan(prefix.Length)) is not { } pid) continue;
            if (!IsStale(pid, file)) continue;
            try
            {
                File.Delete(file);
                removed++;
            }
            catch (IOException)
            {
                // Another process removed it first, or it is in use after all: either way it is not ours to insist on.
            }
        }
        return removed;
    }

    /// <summary>The process id of a temporary's name after the target's (<c>PID.GUID.tmp</c>, a GUID of 32 hex digits), or null for any other name.</summary>
    private static int? WriterOf(ReadOnlySpan<char> rest)
    {
        int dot = rest.IndexOf('.');
        if (dot <= 0 || !int.TryParse(rest[..dot], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int pid)) return null;
        var tail = rest[(dot + 1)..];
        if (tail.Length != 32 + ".tmp".Length || !tail.EndsWith(".tmp", StringComparison.Ordinal)) return null;
        foreach (char c in tail[..32])
            if (!char.IsAsciiHexDigitLower(c)) return null;
        return pid;
    }

    private static bool IsStale(int pid, string file)
    {
        if (pid == Environment.ProcessId) return false;
        try
        {
            using var process = Process.GetProcessById(pid);
            return process.StartTime.ToUniversalTime() > File.GetLastWriteTimeUtc(file);
        }
        catch (ArgumentException)
        {
            return true; // no process has that id
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            return false; // it runs but cannot be inspected: assume it is still writing
        }
    }
}
