using Onnx;
using AttributeType = Onnx.AttributeProto.Types.AttributeType;

namespace MlNetConv.Onnx.Import;

/// <summary>
/// A node being imported: its op type, the opset version it binds to (the highest its domain imports), typed access to
/// its attributes, and errors that name the node, its op type and opset (the importer puts the file in front).
/// </summary>
internal sealed class OnnxNode(NodeProto proto, int index, long opset)
{
    /// <summary>The node's position in the main graph; -1 inside a branch of an If.</summary>
    public int Index { get; } = index;

    public NodeProto Proto { get; } = proto;
    public string OpType => Proto.OpType;
    public long Opset { get; } = opset;

    /// <summary>The node's name, else its first output, else its position.</summary>
    public string Name => Proto.Name.Length > 0 ? Proto.Name : Proto.Output.FirstOrDefault(o => o.Length > 0) ?? $"{OpType}_{Index}";

    public string Describe => $"node '{Name}' ({OpType}, opset {Opset})";

    public InvalidDataException Invalid(string message) => new($"{Describe}: {message}");

    public NotSupportedException Unsupported(string message) => new($"{Describe}: {message}");

    public AttributeProto? Attribute(string name) => Proto.Attribute.FirstOrDefault(a => a.Name == name);

    public long Int(string name, long fallback)
    {
        var a = Attribute(name);
        if (a is null) return fallback;
        if (a.Type != AttributeType.Int && !(a.Type == AttributeType.Undefined && a.HasI)) throw Invalid($"attribute '{name}' must be an int.");
        return a.I;
    }

    public float Float(string name, float fallback)
    {
        var a = Attribute(name);
        if (a is null) return fallback;
        if (a.Type != AttributeType.Float && !(a.Type == AttributeType.Undefined && a.HasF)) throw Invalid($"attribute '{name}' must be a float.");
        return a.F;
    }

    public string String(string name, string fallback)
    {
        var a = Attribute(name);
        if (a is null) return fallback;
        if (a.Type != AttributeType.String && !(a.Type == AttributeType.Undefined && a.HasS)) throw Invalid($"attribute '{name}' must be a string.");
        return a.S.ToStringUtf8();
    }

    public long[]? Ints(string name)
    {
        var a = Attribute(name);
        if (a is null) return null;
        if (a.Type != AttributeType.Ints && a.Type != AttributeType.Undefined) throw Invalid($"attribute '{name}' must be a list of ints.");
        return a.Ints.ToArray();
    }

    public float[]? Floats(string name)
    {
        var a = Attribute(name);
        if (a is null) return null;
        if (a.Type != AttributeType.Floats && a.Type != AttributeType.Undefined) throw Invalid($"attribute '{name}' must be a list of floats.");
        return a.Floats.ToArray();
    }

    /// <summary>A list attribute of <paramref name="count"/> values that fit an int, or <paramref name="fallback"/> when absent.</summary>
    public int[] Ints(string name, int count, int fallback, long min = 0)
    {
        var values = Ints(name);
        if (values is null) return Enumerable.Repeat(fallback, count).ToArray();
        if (values.Length != count) throw Invalid($"attribute '{name}' needs {count} values, got {values.Length}.");
        if (values.Any(v => v < min || v > int.MaxValue)) throw Invalid($"attribute '{name}' has a value out of range [{min}, {int.MaxValue}]: [{string.Join(", ", values)}].");
        return values.Select(v => (int)v).ToArray();
    }

    /// <summary>The name of input <paramref name="i"/>, or null where it is absent or empty (an omitted optional input).</summary>
    public string? InputName(int i) => i < Proto.Input.Count && Proto.Input[i].Length > 0 ? Proto.Input[i] : null;

    public int InputCount => Proto.Input.Count;
}
