using System.Buffers.Binary;
using System.IO.Compression;

namespace MlNetConv.Data;

/// <summary>
/// Real handwritten MNIST digits (28x28 grey-scale images with labels 0..9), loaded from the
/// compact gzip-compressed file <see cref="FileName"/> that is committed under <c>samples/data/mnist</c>.
/// </summary>
/// <remarks>
/// File layout (after gzip decompression; integers are little-endian int32): the ASCII magic
/// <c>MNDG</c>, version (1), count, rows (28), columns (28), then <c>count</c> label bytes, then
/// <c>count * 784</c> pixel bytes (0..255, row-major per image). Instances are immutable;
/// <see cref="Slice"/> returns views that share memory with the original.
/// </remarks>
public sealed class MnistDigits
{
    /// <summary>Number of pixel rows in each image.</summary>
    public const int Rows = 28;

    /// <summary>Number of pixel columns in each image.</summary>
    public const int Columns = 28;

    /// <summary>Number of pixels (bytes) in each image: <see cref="Rows"/> * <see cref="Columns"/>.</summary>
    public const int PixelsPerImage = Rows * Columns;

    /// <summary>The file name of the committed data file.</summary>
    public const string FileName = "mnist-digits.bin.gz";

    /// <summary>The largest image count <see cref="Load"/> accepts, to bound what a corrupt header can make it allocate.</summary>
    public const int MaxCount = 1_000_000;

    private const int SupportedVersion = 1;
    private const int HeaderBytes = 20;
    private const int NumClasses = 10;

    // Deflate cannot expand data by more than about 1032:1; anything a header claims beyond
    // this multiple of the compressed file size cannot be in the file.
    private const long MaxCompressionRatio = 1100;

    private static ReadOnlySpan<byte> Magic => "MNDG"u8;

    private MnistDigits(int count, ReadOnlyMemory<byte> labels, ReadOnlyMemory<byte> pixels)
    {
        Count = count;
        Labels = labels;
        Pixels = pixels;
    }

    /// <summary>The number of images.</summary>
    public int Count { get; }

    /// <summary>The <see cref="Count"/> labels, one byte each, in 0..9.</summary>
    public ReadOnlyMemory<byte> Labels { get; }

    /// <summary>The <see cref="Count"/> * <see cref="PixelsPerImage"/> pixel bytes (0..255), row-major per image, images one after another.</summary>
    public ReadOnlyMemory<byte> Pixels { get; }

    /// <summary>Loads and validates a digits file.</summary>
    /// <param name="path">Path of a gzip-compressed digits file (see the type remarks for its layout).</param>
    /// <returns>The loaded digits.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null or empty.</exception>
    /// <exception cref="FileNotFoundException">No file exists at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidDataException">The file is not gzip-compressed, or its content is malformed; the message names the path and the problem.</exception>
    public static MnistDigits Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"MNIST digits file not found: '{path}'.", path);
        }

        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        long compressedLength = file.Length;

        Span<byte> gzipMagic = stackalloc byte[2];
        if (file.ReadAtLeast(gzipMagic, 2, throwOnEndOfStream: false) < 2 || gzipMagic[0] != 0x1F || gzipMagic[1] != 0x8B)
        {
            throw Invalid(path, "it is not gzip-compressed (expected the gzip signature 1F 8B)");
        }

        file.Position = 0;
        using var gzip = new GZipStream(file, CompressionMode.Decompress);

        Span<byte> header = stackalloc byte[HeaderBytes];
        int headerRead = ReadFully(gzip, header, path);
        if (headerRead < HeaderBytes)
        {
            throw Invalid(path, $"it is truncated: expected a {HeaderBytes}-byte header but the decompressed data has only {headerRead} bytes");
        }

        if (!header[..4].SequenceEqual(Magic))
        {
            throw Invalid(path, $"bad magic: expected \"MNDG\" (4D 4E 44 47) but found {Convert.ToHexString(header[..4])}");
        }

        int version = BinaryPrimitives.ReadInt32LittleEndian(header[4..]);
        int count = BinaryPrimitives.ReadInt32LittleEndian(header[8..]);
        int rows = BinaryPrimitives.ReadInt32LittleEndian(header[12..]);
        int columns = BinaryPrimitives.ReadInt32LittleEndian(header[16..]);

        if (version != SupportedVersion)
        {
            throw Invalid(path, $"unsupported version {version} (only version {SupportedVersion} is supported)");
        }

        if (rows != Rows || columns != Columns)
        {
            throw Invalid(path, $"wrong image size {rows}x{columns} (expected {Rows}x{Columns})");
        }

        if (count <= 0 || count > MaxCount)
        {
            throw Invalid(path, $"image count {count} is out of range (expected 1..{MaxCount})");
        }

        long payloadBytes = (long)count * (1 + PixelsPerImage);
        if (payloadBytes + HeaderBytes > compressedLength * MaxCompressionRatio)
        {
            throw Invalid(path, $"it is truncated: the header claims {count} images ({payloadBytes + HeaderBytes} bytes), more than a {compressedLength}-byte compressed file can hold");
        }

        var payload = new byte[payloadBytes];
        int payloadRead = ReadFully(gzip, payload, path);
        if (payloadRead < payload.Length)
        {
            throw Invalid(path, $"it is truncated: expected {HeaderBytes + payloadBytes} decompressed bytes ({count} labels and {count} images) but found {HeaderBytes + (long)payloadRead}");
        }

        Span<byte> extra = stackalloc byte[1];
        if (ReadFully(gzip, extra, path) != 0)
        {
            throw Invalid(path, $"it has unexpected data after the {count} labels and images");
        }

        var labels = new ReadOnlyMemory<byte>(payload, 0, count);
        int bad = labels.Span.IndexOfAnyExceptInRange((byte)0, (byte)(NumClasses - 1));
        if (bad >= 0)
        {
            throw Invalid(path, $"label {labels.Span[bad]} at index {bad} is out of range (expected 0..{NumClasses - 1})");
        }

        var pixels = new ReadOnlyMemory<byte>(payload, count, count * PixelsPerImage);
        return new MnistDigits(count, labels, pixels);
    }

    /// <summary>
    /// Finds the committed data file: first as <see cref="FileName"/> in <see cref="AppContext.BaseDirectory"/>
    /// and in its <c>data</c> subfolder, then as <c>samples/data/mnist/</c><see cref="FileName"/> in the current
    /// directory, <see cref="AppContext.BaseDirectory"/>, or any folder above either of them.
    /// </summary>
    /// <returns>The full path of the first file found.</returns>
    /// <exception cref="FileNotFoundException">The file was not found; the message lists every place looked at.</exception>
    public static string FindDefault()
    {
        var looked = new List<string>();
        string baseDirectory = AppContext.BaseDirectory;

        foreach (string candidate in new[] { Path.Combine(baseDirectory, FileName), Path.Combine(baseDirectory, "data", FileName) })
        {
            if (TryCandidate(candidate, looked) is { } found)
            {
                return found;
            }
        }

        foreach (string start in new[] { Directory.GetCurrentDirectory(), baseDirectory })
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                string candidate = Path.Combine(directory.FullName, "samples", "data", "mnist", FileName);
                if (TryCandidate(candidate, looked) is { } found)
                {
                    return found;
                }
            }
        }

        throw new FileNotFoundException(
            $"Could not find the MNIST digits file '{FileName}'. Looked in:{Environment.NewLine}  {string.Join(Environment.NewLine + "  ", looked)}",
            FileName);
    }

    /// <summary>Writes image <paramref name="index"/> as <see cref="PixelsPerImage"/> floats, each pixel byte times <paramref name="scale"/>.</summary>
    /// <param name="index">The image index, 0 ≤ index &lt; <see cref="Count"/>.</param>
    /// <param name="destination">Receives the image row-major in its first <see cref="PixelsPerImage"/> elements; must hold at least that many.</param>
    /// <param name="scale">The factor applied to each pixel byte; the default maps 0..255 to 0..1.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is out of range.</exception>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <see cref="PixelsPerImage"/>.</exception>
    public void CopyImage(int index, Span<float> destination, float scale = 1f / 255f)
    {
        CheckIndex(index);
        if (destination.Length < PixelsPerImage)
        {
            throw new ArgumentException(
                $"Destination has {destination.Length} elements but an MNIST image needs {PixelsPerImage} ({Rows}x{Columns}).",
                nameof(destination));
        }

        ReadOnlySpan<byte> source = Pixels.Span.Slice(index * PixelsPerImage, PixelsPerImage);
        for (int i = 0; i < source.Length; i++)
        {
            destination[i] = source[i] * scale;
        }
    }

    /// <summary>Gets the label (0..9) of image <paramref name="index"/>.</summary>
    /// <param name="index">The image index, 0 ≤ index &lt; <see cref="Count"/>.</param>
    /// <returns>The digit shown by the image.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is out of range.</exception>
    public int Label(int index)
    {
        CheckIndex(index);
        return Labels.Span[index];
    }

    /// <summary>Returns a view of <paramref name="count"/> images starting at <paramref name="start"/>; it shares memory with this instance.</summary>
    /// <param name="start">The index of the first image of the view.</param>
    /// <param name="count">The number of images in the view.</param>
    /// <returns>The view.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The range is not within 0..<see cref="Count"/>.</exception>
    public MnistDigits Slice(int start, int count)
    {
        if (start < 0 || start > Count)
        {
            throw new ArgumentOutOfRangeException(nameof(start), start, $"Start must be in 0..{Count}.");
        }

        if (count < 0 || count > Count - start)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, $"Count must be in 0..{Count - start} for start {start} (the set has {Count} images).");
        }

        return new MnistDigits(
            count,
            Labels.Slice(start, count),
            Pixels.Slice(start * PixelsPerImage, count * PixelsPerImage));
    }

    private void CheckIndex(int index)
    {
        if ((uint)index >= (uint)Count)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"Image index must be in 0..{Count - 1} (the set has {Count} images).");
        }
    }

    private static string? TryCandidate(string candidate, List<string> looked)
    {
        string full = Path.GetFullPath(candidate);
        if (looked.Contains(full, StringComparer.Ordinal))
        {
            return null;
        }

        looked.Add(full);
        return File.Exists(full) ? full : null;
    }

    private static int ReadFully(Stream stream, Span<byte> buffer, string path)
    {
        try
        {
            return stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        }
        catch (InvalidDataException ex)
        {
            throw Invalid(path, $"its gzip data is corrupt or truncated ({ex.Message.TrimEnd('.')})", ex);
        }
    }

    private static InvalidDataException Invalid(string path, string problem, Exception? inner = null) =>
        new($"Invalid MNIST digits file '{path}': {problem}.", inner);
}
