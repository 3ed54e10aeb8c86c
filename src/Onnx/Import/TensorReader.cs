using System.Buffers.Binary;
using Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace MlNetConv.Onnx.Import;

/// <summary>
/// Decodes a TensorProto (initializer, Constant value, attribute tensor) into an <see cref="OnnxConstant"/>. Every value
/// must be stored: dims are checked (non-negative, their product in checked arithmetic under <see cref="MaxElements"/>)
/// and the stored count (raw_data bytes, the typed field's length, or the external file's bytes) must equal the
/// product before anything the size of the tensor is allocated. External data is read from a regular file inside the
/// model's folder, at an offset and length inside that file.
/// </summary>
internal sealed class TensorReader(string? externalDataDirectory)
{
    /// <summary>2^31 - 1 elements: what one tensor of this engine can hold.</summary>
    public const long MaxElements = int.MaxValue;

    /// <param name="what">how errors name the tensor (<c>initializer 'conv1.weight'</c>)</param>
    public OnnxConstant Read(TensorProto tensor, string what)
    {
        var dims = tensor.Dims.ToArray();
        long count = ElementCount(dims, what);
        int type = tensor.DataType;
        int size = ElementSize(type, what);
        if (tensor.DataLocation == TensorProto.Types.DataLocation.External)
            return FromBytes(dims, type, ReadExternal(tensor, count * size, what), what);
        if (tensor.HasRawData)
        {
            if (tensor.RawData.Length != count * size)
                throw new InvalidDataException($"{what} has shape [{string.Join(", ", dims)}] ({count} values of {size} bytes) but {tensor.RawData.Length} bytes of raw_data.");
            return FromBytes(dims, type, tensor.RawData.Span, what);
        }
        long stored = Stored(tensor, type);
        if (stored != count)
            throw new InvalidDataException($"{what} has shape [{string.Join(", ", dims)}] ({count} values) but stores {stored} values.");
        return type switch
        {
            (int)DataType.Float => OnnxConstant.Real(dims, tensor.FloatData.Select(v => (double)v).ToArray(), type),
            (int)DataType.Double => OnnxConstant.Real(dims, tensor.DoubleData.ToArray(), type),
            (int)DataType.Float16 => OnnxConstant.Real(dims, tensor.Int32Data.Select(v => (double)BitConverter.UInt16BitsToHalf((ushort)v)).ToArray(), type),
            (int)DataType.Bfloat16 => OnnxConstant.Real(dims, tensor.Int32Data.Select(v => (double)BFloat16((ushort)v)).ToArray(), type),
            (int)DataType.Int64 => OnnxConstant.Integer(dims, tensor.Int64Data.ToArray(), type),
            (int)DataType.Uint32 or (int)DataType.Uint64 => OnnxConstant.Integer(dims, tensor.Uint64Data.Select(v => unchecked((long)v)).ToArray(), type),
            (int)DataType.Bool => OnnxConstant.Bool(dims, tensor.Int32Data.Select(v => v != 0 ? 1L : 0L).ToArray()),
            _ => OnnxConstant.Integer(dims, tensor.Int32Data.Select(v => (long)v).ToArray(), type),
        };
    }

    /// <summary>The product of the dims, each at least 0, at most <see cref="MaxElements"/>.</summary>
    public static long ElementCount(IReadOnlyList<long> dims, string what)
    {
        long count = 1;
        foreach (long d in dims)
        {
            if (d < 0) throw new InvalidDataException($"{what} has a negative dimension: [{string.Join(", ", dims)}].");
            if (d > 0 && count > MaxElements / d) throw new InvalidDataException($"{what} has shape [{string.Join(", ", dims)}], more than {MaxElements} values.");
            count *= d;
        }
        return count;
    }

    private static int ElementSize(int type, string what) => type switch
    {
        (int)DataType.Float or (int)DataType.Int32 or (int)DataType.Uint32 => 4,
        (int)DataType.Double or (int)DataType.Int64 or (int)DataType.Uint64 => 8,
        (int)DataType.Float16 or (int)DataType.Bfloat16 or (int)DataType.Int16 or (int)DataType.Uint16 => 2,
        (int)DataType.Int8 or (int)DataType.Uint8 or (int)DataType.Bool => 1,
        _ => throw new InvalidDataException($"{what} has data type {type} ({(Enum.IsDefined(typeof(DataType), type) ? ((DataType)type).ToString() : "unknown")}); " +
            "supported: float, double, float16, bfloat16, int8..int64, uint8..uint64, bool."),
    };

    /// <summary>How many values the typed field for <paramref name="type"/> holds.</summary>
    private static long Stored(TensorProto t, int type) => type switch
    {
        (int)DataType.Float => t.FloatData.Count,
        (int)DataType.Double => t.DoubleData.Count,
        (int)DataType.Int64 => t.Int64Data.Count,
        (int)DataType.Uint32 or (int)DataType.Uint64 => t.Uint64Data.Count,
        _ => t.Int32Data.Count,
    };

    /// <summary>Little-endian fixed-width values, raw_data's layout (and external data's).</summary>
    private static OnnxConstant FromBytes(long[] dims, int type, ReadOnlySpan<byte> bytes, string what)
    {
        int size = ElementSize(type, what), count = bytes.Length / size;
        if (OnnxConstant.IsFloating(type))
        {
            var reals = new double[count];
            for (int i = 0; i < count; i++)
            {
                var b = bytes.Slice(i * size, size);
                reals[i] = type switch
                {
                    (int)DataType.Float => BinaryPrimitives.ReadSingleLittleEndian(b),
                    (int)DataType.Double => BinaryPrimitives.ReadDoubleLittleEndian(b),
                    (int)DataType.Float16 => (double)BitConverter.UInt16BitsToHalf(BinaryPrimitives.ReadUInt16LittleEndian(b)),
                    _ => BFloat16(BinaryPrimitives.ReadUInt16LittleEndian(b)),
                };
            }
            return OnnxConstant.Real(dims, reals, type);
        }
        var integers = new long[count];
        for (int i = 0; i < count; i++)
        {
            var b = bytes.Slice(i * size, size);
            integers[i] = type switch
            {
                (int)DataType.Int8 => (sbyte)b[0],
                (int)DataType.Uint8 => b[0],
                (int)DataType.Bool => b[0] != 0 ? 1 : 0,
                (int)DataType.Int16 => BinaryPrimitives.ReadInt16LittleEndian(b),
                (int)DataType.Uint16 => BinaryPrimitives.ReadUInt16LittleEndian(b),
                (int)DataType.Int32 => BinaryPrimitives.ReadInt32LittleEndian(b),
                (int)DataType.Uint32 => BinaryPrimitives.ReadUInt32LittleEndian(b),
                _ => BinaryPrimitives.ReadInt64LittleEndian(b),
            };
        }
        return new OnnxConstant(dims, type, null, integers);
    }

    private static float BFloat16(ushort bits) => BitConverter.Int32BitsToSingle(bits << 16);

    /// <summary>
    /// The bytes of an external tensor: <c>location</c> relative to the model's folder (no absolute path, no <c>..</c>, no
    /// symbolic link on the way, a regular file), <c>offset</c> and <c>length</c> inside it, length = the tensor's bytes.
    /// </summary>
    private byte[] ReadExternal(TensorProto tensor, long bytes, string what)
    {
        string? location = null;
        long offset = 0, length = -1;
        foreach (var entry in tensor.ExternalData)
        {
            switch (entry.Key)
            {
                case "location": location = entry.Value; break;
                case "offset": offset = Number(entry.Value, "offset"); break;
                case "length": length = Number(entry.Value, "length"); break;
            }
        }
        if (string.IsNullOrEmpty(location)) throw new InvalidDataException($"{what} is stored externally but names no location.");
        if (externalDataDirectory is null)
            throw new InvalidDataException($"{what} is stored in the external file '{location}', but the model was not read from a file and no external-data folder was given.");
        string path = ContainedPath(externalDataDirectory, location, what);
        var info = new FileInfo(path);
        long fileLength = info.Length;
        if (offset > fileLength) throw new InvalidDataException($"{what}: offset {offset} lies past the end of '{location}' ({fileLength} bytes).");
        if (length < 0) length = fileLength - offset;
        if (length != bytes)
            throw new InvalidDataException($"{what} has shape [{string.Join(", ", tensor.Dims)}] ({bytes} bytes) but its external data is {length} bytes.");
        if (offset + length > fileLength)
            throw new InvalidDataException($"{what}: {length} bytes at offset {offset} reach past the end of '{location}' ({fileLength} bytes).");
        var data = new byte[length];
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        stream.Seek(offset, SeekOrigin.Begin);
        stream.ReadExactly(data);
        return data;

        long Number(string text, string key) => long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long v)
            ? v : throw new InvalidDataException($"{what}: external data {key} '{text}' is not a non-negative integer.");
    }

    /// <summary>The full path of <paramref name="location"/> if it is a regular file inside <paramref name="directory"/> reached without links.</summary>
    private static string ContainedPath(string directory, string location, string what)
    {
        string Refuse(string why) => throw new InvalidDataException($"{what}: external data location '{location}' {why}.");
        if (Path.IsPathRooted(location) || location.Contains(':')) Refuse("must be relative to the model's folder");
        var parts = location.Split('/', '\\');
        if (parts.Any(p => p == "..")) Refuse("may not contain '..'");
        string root = Path.GetFullPath(directory);
        string path = Path.GetFullPath(Path.Combine(root, location));
        if (!path.StartsWith(Path.TrimEndingDirectorySeparator(root) + Path.DirectorySeparatorChar, StringComparison.Ordinal)) Refuse("lies outside the model's folder");
        string current = root;
        foreach (var part in parts.Where(p => p.Length > 0 && p != "."))
        {
            current = Path.Combine(current, part);
            var entry = new FileInfo(current);
            if (entry.LinkTarget is not null || (Directory.Exists(current) && new DirectoryInfo(current).LinkTarget is not null)) Refuse("passes through a symbolic link");
        }
        if (!File.Exists(path)) Refuse("does not exist");
        if ((File.GetAttributes(path) & (FileAttributes.Directory | FileAttributes.Device)) != 0) Refuse("is not a regular file");
        return path;
    }
}
