using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using MlNetConv.Persistence;

namespace MlNetConv.Fuzz;

/// <summary>Ways to damage a file's bytes, each drawn from a seeded <see cref="Random"/>.</summary>
public static class Mutations
{
    /// <summary>One to eight single-bit flips at random offsets.</summary>
    public static byte[] FlipBits(byte[] original, Random random)
    {
        var bytes = (byte[])original.Clone();
        for (int i = 0, n = 1 + random.Next(8); i < n; i++) bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
        return bytes;
    }

    /// <summary>The file cut at a random length.</summary>
    public static byte[] Truncate(byte[] original, Random random) => original[..random.Next(original.Length)];

    /// <summary>A run of 1-64 bytes removed, or 1-64 random bytes inserted.</summary>
    public static byte[] Splice(byte[] original, Random random)
    {
        int at = random.Next(original.Length), count = 1 + random.Next(64);
        if (random.Next(2) == 0) return [.. original.AsSpan(0, at), .. original.AsSpan(Math.Min(original.Length, at + count))];
        var inserted = new byte[count];
        random.NextBytes(inserted);
        return [.. original.AsSpan(0, at), .. inserted, .. original.AsSpan(at)];
    }

    /// <summary>A little-endian or big-endian 32-bit field overwritten with a boundary value (0, -1, 1, 2^31-1, 2^31, 1e9, 65535).</summary>
    public static byte[] BoundaryInt(byte[] original, Random random)
    {
        var bytes = (byte[])original.Clone();
        int[] values = [0, -1, 1, int.MaxValue, int.MinValue, 1_000_000_000, 65535];
        int value = values[random.Next(values.Length)], at = random.Next(Math.Max(1, bytes.Length - 4));
        var field = BitConverter.GetBytes(value);
        if (random.Next(2) == 0) Array.Reverse(field);
        field.AsSpan(0, Math.Min(4, bytes.Length - at)).CopyTo(bytes.AsSpan(at));
        return bytes;
    }

    /// <summary>A random one of the byte-level mutations.</summary>
    public static byte[] AnyBytes(byte[] original, Random random) => random.Next(4) switch
    {
        0 => FlipBits(original, random),
        1 => Truncate(original, random),
        2 => Splice(original, random),
        _ => BoundaryInt(original, random),
    };

    /// <summary>A model file damaged after its 12-byte header and before its checksum, then re-sealed: only the reader's own checks stand in the way.</summary>
    public static byte[] ForgedBody(byte[] modelFile, Random random)
    {
        var body = AnyBytes(modelFile[12..^32], random);
        byte[] sealedBody = [.. modelFile.AsSpan(0, 12), .. body];
        return [.. sealedBody, .. SHA256.HashData(sealedBody)];
    }

    /// <summary>
    /// A model file whose architecture JSON is edited and re-sealed: a number scaled up to a billion, negated, zeroed or
    /// turned into text, a key deleted, or a value replaced by null, an array or an object.
    /// </summary>
    public static byte[] ForgedArchitecture(byte[] modelFile, Random random)
    {
        var contents = ModelFile.Read(modelFile);
        var nodes = new List<JsonNode>();
        Collect(contents.Architecture, nodes);
        var target = nodes[random.Next(nodes.Count)];
        var parent = target.Parent;
        JsonNode? replacement = random.Next(8) switch
        {
            0 => target is JsonValue v && v.TryGetValue<int>(out int i) ? JsonValue.Create((long)i * random.Next(2, 1_000_000_000)) : JsonValue.Create(1_000_000_000),
            1 => target is JsonValue v && v.TryGetValue<int>(out int i) ? JsonValue.Create(-i - 1) : JsonValue.Create(-1),
            2 => JsonValue.Create(0),
            3 => JsonValue.Create("text"),
            4 => null,
            5 => new JsonArray(),
            6 => new JsonObject(),
            _ => JsonValue.Create(1e300),
        };
        switch (parent)
        {
            case JsonObject o:
                string key = o.First(p => ReferenceEquals(p.Value, target)).Key;
                if (random.Next(6) == 0) o.Remove(key);
                else o[key] = replacement;
                break;
            case JsonArray a:
                int index = a.IndexOf(target);
                if (random.Next(6) == 0) a.RemoveAt(index);
                else a[index] = replacement;
                break;
            default:
                return ModelFile.ToBytes(contents with { SampleShape = new Tensors.Shape(random.Next(1, 1290), random.Next(1, 1290), random.Next(1, 1290)) });
        }
        return ModelFile.ToBytes(contents);
    }

    /// <summary>A model file whose architecture text is damaged at the byte level (broken JSON), re-sealed.</summary>
    public static byte[] ForgedArchitectureText(byte[] modelFile, Random random)
    {
        int length = BitConverter.ToInt32(modelFile, 12);
        var text = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(modelFile, 16, length));
        var damaged = AnyBytes(text, random);
        byte[] body = [.. modelFile.AsSpan(0, 12), .. BitConverter.GetBytes(damaged.Length), .. damaged, .. modelFile.AsSpan(16 + length, modelFile.Length - 16 - length - 32)];
        return [.. body, .. SHA256.HashData(body)];
    }

    private static void Collect(JsonNode node, List<JsonNode> nodes)
    {
        nodes.Add(node);
        switch (node)
        {
            case JsonObject o:
                foreach (var (_, child) in o) if (child is not null) Collect(child, nodes);
                break;
            case JsonArray a:
                foreach (var child in a) if (child is not null) Collect(child, nodes);
                break;
        }
    }
}
