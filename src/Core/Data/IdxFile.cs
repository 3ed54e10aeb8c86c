using System.Buffers.Binary;
using System.IO.Compression;
using MlNetConv.Persistence;

namespace MlNetConv.Data;

/// <summary>
/// An IDX file, the format of MNIST, Fashion-MNIST, KMNIST and EMNIST (LeCun et al.): the magic number
/// <c>00 00 TT DD</c> (data type TT, DD dimensions), DD big-endian int32 sizes, then the values row-major. Only
/// unsigned bytes (TT = 0x08) are read, the type every one of those data sets uses: images are <see cref="ImagesMagic"/>
/// (count, rows, columns), labels <see cref="LabelsMagic"/> (count). A file may be plain or gzip-compressed; the gzip
/// signature decides, not the name. Every error names the file.
/// </summary>
public sealed class IdxFile
{
    /// <summary>The data type code of unsigned bytes.</summary>
    public const byte UnsignedByte = 0x08;

    /// <summary>0x00000803: unsigned bytes in three dimensions (count, rows, columns).</summary>
    public const int ImagesMagic = 0x0803;

    /// <summary>0x00000801: unsigned bytes in one dimension (count).</summary>
    public const int LabelsMagic = 0x0801;

    /// <summary>The largest payload read (2 GiB - 1), which bounds what a corrupt header can make the reader allocate.</summary>
    public const long MaxBytes = int.MaxValue;

    // Deflate cannot expand data by more than about 1032:1; a gzip file claiming more than this is truncated or corrupt.
    private const long MaxCompressionRatio = 1100;

    private IdxFile(string path, int[] dimensions, byte[] data)
    {
        Path = path;
        Dimensions = dimensions;
        Data = data;
    }

    /// <summary>The file the values were read from.</summary>
    public string Path { get; }

    /// <summary>The sizes of the dimensions, outermost first: (count, rows, columns) for images.</summary>
    public IReadOnlyList<int> Dimensions { get; }

    /// <summary>The values, row-major.</summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>The size of the first dimension: the number of images or labels.</summary>
    public int Count => Dimensions[0];

    /// <summary>Reads unsigned-byte images: magic <see cref="ImagesMagic"/>, dimensions (count, rows, columns).</summary>
    /// <exception cref="FileNotFoundException">no file at <paramref name="path"/></exception>
    /// <exception cref="InvalidDataException">a wrong magic number, a size that does not fit the data, or corrupt gzip data</exception>
    public static IdxFile ReadImages(string path) => Read(path, ImagesMagic, "images");

    /// <summary>Reads unsigned-byte labels: magic <see cref="LabelsMagic"/>, one dimension (count).</summary>
    /// <exception cref="FileNotFoundException">no file at <paramref name="path"/></exception>
    /// <exception cref="InvalidDataException">a wrong magic number, a size that does not fit the data, or corrupt gzip data</exception>
    public static IdxFile ReadLabels(string path) => Read(path, LabelsMagic, "labels");

    /// <summary>Writes unsigned-byte values with the given dimensions (to a temporary file renamed into place).</summary>
    /// <param name="data">the values row-major; as many as the product of <paramref name="dimensions"/></param>
    /// <param name="gzip">compress with gzip, as the published MNIST files are</param>
    public static void Write(string path, ReadOnlySpan<int> dimensions, ReadOnlySpan<byte> data, bool gzip = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (dimensions.Length is < 1 or > 255) throw new ArgumentException($"An IDX file has 1 to 255 dimensions, got {dimensions.Length}.", nameof(dimensions));
        long size = 1;
        foreach (int d in dimensions)
        {
            if (d <= 0) throw new ArgumentException($"IDX dimensions must be positive, got ({string.Join(", ", dimensions.ToArray())}).", nameof(dimensions));
            size *= d;
        }
        if (size != data.Length) throw new ArgumentException($"Dimensions ({string.Join(", ", dimensions.ToArray())}) need {size} values, got {data.Length}.", nameof(data));

        using var file = AtomicFile.Create(path);
        if (gzip)
        {
            using var compressed = new GZipStream(file.Stream, CompressionLevel.Optimal, leaveOpen: true);
            WriteContent(compressed, dimensions, data);
        }
        else WriteContent(file.Stream, dimensions, data);
        file.Commit();

        static void WriteContent(Stream stream, ReadOnlySpan<int> dimensions, ReadOnlySpan<byte> data)
        {
            Span<byte> header = stackalloc byte[4 + 4 * dimensions.Length];
            header[..4].Clear();
            header[2] = UnsignedByte;
            header[3] = (byte)dimensions.Length;
            for (int i = 0; i < dimensions.Length; i++) BinaryPrimitives.WriteInt32BigEndian(header[(4 + 4 * i)..], dimensions[i]);
            stream.Write(header);
            stream.Write(data);
        }
    }

    private static IdxFile Read(string path, int expectedMagic, string what)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"IDX {what} file not found: '{path}'.", path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        long fileLength = file.Length;
        Span<byte> signature = stackalloc byte[2];
        bool compressed = file.ReadAtLeast(signature, 2, throwOnEndOfStream: false) == 2 && signature[0] == 0x1F && signature[1] == 0x8B;
        file.Position = 0;
        using Stream stream = compressed ? new GZipStream(file, CompressionMode.Decompress) : file;

        Span<byte> magic = stackalloc byte[4];
        if (ReadFully(stream, magic, path) < 4) throw Invalid(path, $"it is too short for an IDX header ({fileLength} bytes)");
        int found = BinaryPrimitives.ReadInt32BigEndian(magic);
        if (found != expectedMagic)
        {
            string reason = magic[0] != 0 || magic[1] != 0 ? "an IDX file starts with two zero bytes"
                : magic[2] != UnsignedByte ? $"data type 0x{magic[2]:X2} is not supported, only unsigned bytes (0x08)"
                : $"{magic[3]} dimensions where {what} have {expectedMagic & 0xFF}";
            throw Invalid(path, $"bad magic number 0x{found:X8}, expected 0x{expectedMagic:X8} for unsigned-byte {what}: {reason}");
        }

        var dimensions = new int[magic[3]];
        Span<byte> sizes = stackalloc byte[4 * dimensions.Length];
        if (ReadFully(stream, sizes, path) < sizes.Length) throw Invalid(path, $"it is truncated inside the header ({dimensions.Length} sizes expected)");
        long total = 1;
        for (int i = 0; i < dimensions.Length; i++)
        {
            dimensions[i] = BinaryPrimitives.ReadInt32BigEndian(sizes[(4 * i)..]);
            if (dimensions[i] <= 0) throw Invalid(path, $"dimension {i} has size {dimensions[i]}; sizes must be positive");
            total *= dimensions[i];
            if (total > MaxBytes) throw Invalid(path, $"the sizes ({string.Join(", ", dimensions[..(i + 1)])}) give more than {MaxBytes} values");
        }
        long headerBytes = 4 + sizes.Length;
        long available = compressed ? fileLength * MaxCompressionRatio : fileLength - headerBytes;
        if (total > available)
            throw Invalid(path, $"it is truncated: the sizes ({string.Join(", ", dimensions)}) need {total} bytes of data, {(compressed ? "more than the compressed file can hold" : $"the file has {available}")}");

        var data = new byte[total];
        int read = ReadFully(stream, data, path);
        if (read < total) throw Invalid(path, $"it is truncated: the sizes ({string.Join(", ", dimensions)}) need {total} bytes of data, the file has {read}");
        Span<byte> extra = stackalloc byte[1];
        if (ReadFully(stream, extra, path) != 0) throw Invalid(path, $"it has data after the {total} bytes its sizes ({string.Join(", ", dimensions)}) announce");
        return new IdxFile(path, dimensions, data);
    }

    private static int ReadFully(Stream stream, Span<byte> buffer, string path)
    {
        try
        {
            return stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        }
        catch (InvalidDataException e)
        {
            throw Invalid(path, $"its gzip data is corrupt or truncated ({e.Message.TrimEnd('.')})", e);
        }
    }

    private static InvalidDataException Invalid(string path, string problem, Exception? inner = null) => new($"IDX file '{path}': {problem}.", inner);
}
