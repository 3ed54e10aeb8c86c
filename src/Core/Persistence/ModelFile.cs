using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using MlNetConv.Backends;
using MlNetConv.Graphs;
using MlNetConv.Tensors;

namespace MlNetConv.Persistence;

/// <summary>
/// The one binary format for models and checkpoints (little-endian):
/// <code>
/// magic "MLNCONV1" (8 bytes) | format version (int32) | architecture JSON | sample shape
/// | named tensors (parameters and buffers, e.g. BatchNorm running statistics)
/// | extra tensors (optimizer state; may be empty) | metadata (string pairs; may be empty)
/// | SHA-256 of everything before (32 bytes)
/// </code>
/// Strings are an int32 byte count plus UTF-8; a tensor is its name, rank, dimensions and float32 values.
/// Files are written to a temporary file and renamed into place, so a crash never leaves half a model.
/// Loading checks the hash before parsing and bounds every length by the bytes that remain.
/// </summary>
public static class ModelFile
{
    public const int FormatVersion = 1;
    private static ReadOnlySpan<byte> Magic => "MLNCONV1"u8;
    private const int HashSize = 32;

    /// <summary>Saves a network (and optionally training state) atomically.</summary>
    public static void Save(string path, Network network, TrainingState? state = null)
    {
        using var stream = new MemoryStream();
        Write(stream, network, state);
        using var file = AtomicFile.Create(path);
        stream.WriteTo(file.Stream);
        file.Commit();
    }

    /// <summary>The saved bytes of a network (for embedding in other containers).</summary>
    public static byte[] ToBytes(Network network, TrainingState? state = null)
    {
        using var stream = new MemoryStream();
        Write(stream, network, state);
        return stream.ToArray();
    }

    /// <summary>Loads a network (and any training state); errors name the path.</summary>
    public static (Network Network, TrainingState State) Load(string path, IBackend? backend = null) => Build(Read(path), backend);

    public static (Network Network, TrainingState State) FromBytes(ReadOnlySpan<byte> bytes, IBackend? backend = null) => Build(Read(bytes), backend);

    private static (Network Network, TrainingState State) Build(ModelContents contents, IBackend? backend)
    {
        var network = new Network(LayerRegistry.ReadLayer(contents.Architecture), contents.SampleShape, backend);
        LoadWeights(network, contents);
        return (network, contents.State);
    }

    /// <summary>Copies saved weights into an existing network of the same architecture (resuming from a checkpoint).</summary>
    public static void LoadWeights(Network network, ModelContents contents)
    {
        if (network.SampleShape != contents.SampleShape)
            throw new InvalidDataException($"the file was saved for input {contents.SampleShape}, the network takes {network.SampleShape}.");
        var byName = contents.Tensors.ToDictionary(t => t.Name);
        foreach (var p in network.Parameters)
        {
            if (!byName.Remove(p.Name, out var t)) throw new InvalidDataException($"tensor '{p.Name}' {p.Shape} is missing.");
            if (t.Shape != p.Shape) throw new InvalidDataException($"tensor '{p.Name}' has shape {t.Shape}, the architecture needs {p.Shape}.");
            p.Value.CopyFrom(t.Values);
        }
        if (byName.Count > 0) throw new InvalidDataException($"tensor '{byName.Keys.First()}' matches no parameter of the architecture.");
    }

    /// <summary>Parses and verifies a saved model without building it.</summary>
    public static ModelContents Read(ReadOnlySpan<byte> bytes)
    {
        int headerSize = Magic.Length + 4;
        if (bytes.Length < headerSize + HashSize)
            throw new InvalidDataException($"truncated: {bytes.Length} bytes is shorter than the smallest model file ({headerSize + HashSize} bytes).");
        if (!bytes[..Magic.Length].SequenceEqual(Magic))
            throw new InvalidDataException("not an MlNetConv model (wrong magic bytes).");
        int version = BitConverter.ToInt32(bytes.Slice(Magic.Length, 4));
        if (version > FormatVersion)
            throw new InvalidDataException($"format version {version} is newer than this library reads ({FormatVersion}); upgrade MlNetConv.");
        if (version < 1) throw new InvalidDataException($"invalid format version {version}.");
        var body = bytes[..^HashSize];
        if (!SHA256.HashData(body).AsSpan().SequenceEqual(bytes[^HashSize..]))
            throw new InvalidDataException("checksum mismatch: the file is truncated or corrupted.");

        var reader = new Reader(body[headerSize..]);
        var architecture = JsonNode.Parse(reader.String())?.AsObject() ?? throw new InvalidDataException("empty architecture.");
        var sampleShape = reader.Shape();
        var tensors = reader.Tensors();
        var extra = reader.Tensors();
        var metadata = new Dictionary<string, string>();
        int pairs = reader.Count(8);
        for (int i = 0; i < pairs; i++) metadata[reader.String()] = reader.String();
        if (!reader.AtEnd) throw new InvalidDataException("unexpected bytes after the metadata.");
        return new ModelContents(architecture, sampleShape, tensors, new TrainingState(extra, metadata));
    }

    /// <summary>Reads and verifies a file; errors name the path.</summary>
    public static ModelContents Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Model file '{path}' does not exist.", path);
        try
        {
            return Read(File.ReadAllBytes(path));
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"Model file '{path}': {e.Message}", e);
        }
    }

    private static void Write(Stream stream, Network network, TrainingState? state)
    {
        using var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        w.Write(Magic);
        w.Write(FormatVersion);
        WriteString(w, LayerRegistry.ToJson(network.Root).ToJsonString());
        WriteShape(w, network.SampleShape);
        WriteTensors(w, network.Parameters.Select(p => new NamedTensor(p.Name, p.Shape, p.Value.ToArray())).ToArray());
        WriteTensors(w, state?.Tensors ?? []);
        var metadata = state?.Metadata ?? new Dictionary<string, string>();
        w.Write(metadata.Count);
        foreach (var (key, value) in metadata)
        {
            WriteString(w, key);
            WriteString(w, value);
        }
        w.Flush();
        stream.Position = 0;
        var hash = SHA256.HashData(stream);
        stream.Position = stream.Length;
        stream.Write(hash);
    }

    private static void WriteTensors(BinaryWriter w, IReadOnlyList<NamedTensor> tensors)
    {
        w.Write(tensors.Count);
        foreach (var t in tensors)
        {
            WriteString(w, t.Name);
            WriteShape(w, t.Shape);
            w.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(t.Values.AsSpan()));
        }
    }

    private static void WriteShape(BinaryWriter w, Shape shape)
    {
        w.Write(shape.Rank);
        foreach (int d in shape) w.Write(d);
    }

    private static void WriteString(BinaryWriter w, string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        w.Write(bytes.Length);
        w.Write(bytes);
    }

    /// <summary>Reads fields in place, checking every length against the bytes that remain before allocating.</summary>
    private ref struct Reader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _at;

        public readonly bool AtEnd => _at == _data.Length;

        private ReadOnlySpan<byte> Take(int count)
        {
            if (count < 0 || count > _data.Length - _at)
                throw new InvalidDataException($"truncated or corrupt: a field of {count} bytes at offset {_at} exceeds the {_data.Length - _at} bytes left.");
            var span = _data.Slice(_at, count);
            _at += count;
            return span;
        }

        public int Int() => BitConverter.ToInt32(Take(4));

        /// <summary>A count of items each at least <paramref name="minItemBytes"/> long.</summary>
        public int Count(int minItemBytes)
        {
            int n = Int();
            if (n < 0 || (long)n * minItemBytes > _data.Length - _at) throw new InvalidDataException($"corrupt count {n} at offset {_at - 4}.");
            return n;
        }

        public string String() => Encoding.UTF8.GetString(Take(Int()));

        public Shape Shape()
        {
            int rank = Int();
            if (rank is < 1 or > MlNetConv.Tensors.Shape.MaxRank) throw new InvalidDataException($"corrupt tensor rank {rank}.");
            var dims = new int[rank];
            long size = 1;
            for (int i = 0; i < rank; i++)
            {
                dims[i] = Int();
                size *= dims[i];
                if (dims[i] < 0 || size > (_data.Length - _at) / 4 + 1) throw new InvalidDataException($"corrupt tensor dimension {dims[i]}.");
            }
            return new Shape(dims);
        }

        public NamedTensor[] Tensors()
        {
            int count = Count(12);
            var tensors = new NamedTensor[count];
            for (int i = 0; i < count; i++)
            {
                string name = String();
                var shape = Shape();
                var values = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(Take(checked(shape.Size * 4))).ToArray();
                tensors[i] = new NamedTensor(name, shape, values);
            }
            return tensors;
        }
    }
}

/// <summary>A tensor's values on the host with its name.</summary>
public sealed record NamedTensor(string Name, Shape Shape, float[] Values);

/// <summary>A verified, parsed model file.</summary>
public sealed record ModelContents(JsonObject Architecture, Shape SampleShape, IReadOnlyList<NamedTensor> Tensors, TrainingState State);

/// <summary>What a checkpoint adds to a model: optimizer state and metadata (epoch, step, best score).</summary>
public sealed record TrainingState(IReadOnlyList<NamedTensor> Tensors, IReadOnlyDictionary<string, string> Metadata)
{
    public static TrainingState Empty { get; } = new([], new Dictionary<string, string>());
}
