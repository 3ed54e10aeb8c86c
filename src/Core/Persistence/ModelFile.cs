using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
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

    /// <summary>Loads a network (and any training state).</summary>
    /// <exception cref="InvalidDataException">the file is corrupt, forged or not an MlNetConv model; the message names the path and what is wrong</exception>
    public static (Network Network, TrainingState State) Load(string path, IBackend? backend = null) => NamingThe(path, () => Build(ReadBytes(path), backend));

    /// <exception cref="InvalidDataException">the bytes are corrupt, forged or not an MlNetConv model</exception>
    public static (Network Network, TrainingState State) FromBytes(ReadOnlySpan<byte> bytes, IBackend? backend = null) => Build(Read(bytes), backend);

    /// <summary>
    /// The network of verified contents: the architecture is checked against the stored tensors on shapes alone
    /// (<see cref="ArchitectureCheck"/>) before the network is built, so nothing is allocated that the file does not hold.
    /// </summary>
    private static (Network Network, TrainingState State) Build(ModelContents contents, IBackend? backend)
    {
        var network = new Network(ArchitectureCheck.Verify(contents), contents.SampleShape, backend);
        try
        {
            CopyWeights(network, contents);
        }
        catch
        {
            network.Dispose();
            throw;
        }
        return (network, contents.State);
    }

    /// <summary>Copies saved weights into an existing network of the same architecture (resuming from a checkpoint).</summary>
    /// <exception cref="InvalidDataException">the file's input shape, tensor names or shapes differ from the network's</exception>
    public static void LoadWeights(Network network, ModelContents contents)
    {
        if (network.SampleShape != contents.SampleShape)
            throw new InvalidDataException($"the file was saved for input {contents.SampleShape}, the network takes {network.SampleShape}.");
        ArchitectureCheck.CheckTensors(network, contents.Tensors);
        CopyWeights(network, contents);
    }

    /// <summary>Copies the stored values of every parameter; names and shapes were checked.</summary>
    private static void CopyWeights(Network network, ModelContents contents)
    {
        var byName = contents.Tensors.ToDictionary(t => t.Name);
        foreach (var p in network.Parameters) p.Value.CopyFrom(byName[p.Name].Values);
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
        var architecture = ParseArchitecture(reader.String());
        var sampleShape = reader.Shape(ofStoredValues: false);
        var tensors = reader.Tensors();
        var extra = reader.Tensors();
        var metadata = new Dictionary<string, string>();
        int pairs = reader.Count(8);
        for (int i = 0; i < pairs; i++) metadata[reader.String()] = reader.String();
        if (!reader.AtEnd) throw new InvalidDataException("corrupt: unexpected bytes after the metadata.");
        return new ModelContents(architecture, sampleShape, tensors, new TrainingState(extra, metadata));
    }

    private static JsonObject ParseArchitecture(string json)
    {
        try
        {
            // Duplicate keys are refused here: a JsonObject accepts them and throws only when first enumerated.
            return JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false }) as JsonObject
                ?? throw new InvalidDataException("corrupt architecture: not a JSON object.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"corrupt architecture: {e.Message}", e);
        }
    }

    /// <summary>Reads and verifies a file; errors name the path.</summary>
    public static ModelContents Read(string path) => NamingThe(path, () => ReadBytes(path));

    private static ModelContents ReadBytes(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Model file '{path}' does not exist.", path);
        return Read(File.ReadAllBytes(path));
    }

    /// <summary>Runs a load step; a corrupt file's error gets the path in front.</summary>
    private static T NamingThe<T>(string path, Func<T> step)
    {
        try
        {
            return step();
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"Model file '{path}': {e.Message}", e);
        }
    }

    /// <summary>The file's bytes for parsed contents: what <see cref="Read(ReadOnlySpan{byte})"/> gives back, e.g. after editing its metadata.</summary>
    public static byte[] ToBytes(ModelContents contents)
    {
        ArgumentNullException.ThrowIfNull(contents);
        using var stream = new MemoryStream();
        Write(stream, contents);
        return stream.ToArray();
    }

    private static void Write(Stream stream, Network network, TrainingState? state) => Write(stream, new ModelContents(LayerRegistry.ToJson(network.Root),
        network.SampleShape, network.Parameters.Select(p => new NamedTensor(p.Name, p.Shape, p.Value.ToArray())).ToArray(), state ?? TrainingState.Empty));

    private static void Write(Stream stream, ModelContents contents)
    {
        using var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        w.Write(Magic);
        w.Write(FormatVersion);
        WriteString(w, contents.Architecture.ToJsonString());
        WriteShape(w, contents.SampleShape);
        WriteTensors(w, contents.Tensors);
        WriteTensors(w, contents.State.Tensors);
        var metadata = contents.State.Metadata;
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

        /// <summary>
        /// A shape; a stored tensor's values must fit in the bytes that remain (<paramref name="ofStoredValues"/>), the
        /// sample shape only in a tensor's element count (a network without weights may take large inputs).
        /// </summary>
        public Shape Shape(bool ofStoredValues = true)
        {
            int rank = Int();
            if (rank is < 1 or > MlNetConv.Tensors.Shape.MaxRank) throw new InvalidDataException($"corrupt tensor rank {rank}.");
            var dims = new int[rank];
            long size = 1, limit = ofStoredValues ? (_data.Length - _at) / 4 + 1 : int.MaxValue;
            for (int i = 0; i < rank; i++)
            {
                dims[i] = Int();
                size *= dims[i];
                if (dims[i] < 0 || size > limit) throw new InvalidDataException($"corrupt tensor dimension {dims[i]}.");
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
