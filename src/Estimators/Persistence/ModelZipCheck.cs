using System.IO.Compression;
using System.IO.Hashing;

namespace MlNetConv.Estimators.Persistence;

/// <summary>
/// Reads every entry of a model zip once before ML.NET loads it. ML.NET's loader does not always survive a damaged
/// entry: a deflate error inside a saved lookup's data file left its binary reader waiting forever (found by the
/// mutation fuzzer). Here each entry is inflated to the end, so the zip's own checks (headers, deflate streams) run
/// first, its CRC-32 is checked against the one the zip records (.NET's reader does not: a damaged deflate stream that
/// still inflates, to other bytes, once made ML.NET's binary reader allocate 336 MB for a 12 KB zip before it failed),
/// and the expansion is bounded, so a zip bomb is refused before ML.NET extracts it to disk.
/// </summary>
internal static class ModelZipCheck
{
    /// <summary>How far a model zip may expand: ML.NET's entries and the engine's text-encoded model compress far less than this.</summary>
    public const int MaxExpansion = 100;

    /// <summary>Checks the zip in <paramref name="stream"/> (seekable, left at its start).</summary>
    /// <param name="source">the file or stream, for messages</param>
    /// <exception cref="InvalidDataException">an entry cannot be read to its end, or the entries expand too far</exception>
    public static void Verify(Stream stream, string source)
    {
        long start = stream.Position, budget = MaxExpansion * (stream.Length - start) + (16L << 20), total = 0;
        var buffer = new byte[81920];
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true))
            foreach (var entry in zip.Entries)
            {
                try
                {
                    var crc = new Crc32();
                    using var data = entry.Open();
                    for (int read; (read = data.Read(buffer)) > 0;)
                    {
                        if ((total += read) > budget)
                            throw new InvalidDataException($"{source} is corrupt or not an MlNetConv model: its entries expand past {budget:N0} bytes, "
                                + $"{MaxExpansion} times the file (at entry '{entry.FullName}').");
                        crc.Append(buffer.AsSpan(0, read));
                    }
                    if (crc.GetCurrentHashAsUInt32() != entry.Crc32)
                        throw new InvalidDataException($"{source} is corrupt or not an MlNetConv model: entry '{entry.FullName}' fails its CRC-32 check "
                            + $"(its bytes give {crc.GetCurrentHashAsUInt32():x8}, the zip records {entry.Crc32:x8}).");
                }
                catch (InvalidDataException e) when (!e.Message.StartsWith(source, StringComparison.Ordinal))
                {
                    throw new InvalidDataException($"{source} is corrupt or not an MlNetConv model: entry '{entry.FullName}' cannot be read ({e.Message.TrimEnd('.')}).", e);
                }
            }
        stream.Position = start;
    }
}
