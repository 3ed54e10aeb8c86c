using System.Text.Json.Nodes;
using MlNetConv.Backends.Meta;
using MlNetConv.Graphs;
using MlNetConv.Layers;
using MlNetConv.Summary;
using MlNetConv.Tensors;

namespace MlNetConv.Persistence;

/// <summary>
/// Checks a saved architecture against the file's own tensors before anything is allocated, so a file whose checksum
/// is valid but whose sizes are forged (a layer of a billion channels) is refused in milliseconds instead of asking
/// for gigabytes. The architecture is read and built on the <see cref="MetaBackend"/> (shapes only); every parameter
/// it declares must then be stored in the file with that exact shape, so the weights a load allocates are bounded by
/// the file's length. Activations have no such witness in the file: one sample's outputs over all layers may take at
/// most <see cref="MaxActivationElementsPerSample"/> floats. Layer widths are checked before even the shapes are built,
/// because a convolution's geometry lists the inputs of every output channel.
/// </summary>
internal static class ArchitectureCheck
{
    /// <summary>One sample's activations over all layers: 2^30 floats (4 GiB), far above any zoo network (VGG-16 at 224x224: 15 M).</summary>
    public const long MaxActivationElementsPerSample = 1L << 30;

    /// <summary>The unbuilt root layer of <paramref name="contents"/>, after the checks; errors say what is corrupt.</summary>
    /// <exception cref="InvalidDataException">the architecture does not parse, does not build for the sample shape, or disagrees with the stored tensors</exception>
    public static ILayer Verify(ModelContents contents)
    {
        CheckWidths(contents);
        using (var shapes = Malformed(() => new Network(LayerRegistry.ReadLayer(contents.Architecture), contents.SampleShape, MetaBackend.Default)))
        {
            CheckTensors(shapes, contents.Tensors);
            CheckActivations(shapes);
        }
        return Malformed(() => LayerRegistry.ReadLayer(contents.Architecture));
    }

    /// <summary>The JSON keys of layer widths: output channels of convolutions, output features of dense layers.</summary>
    private static readonly string[] WidthKeys = ["outChannels", "outFeatures"];

    /// <summary>
    /// Every declared width is at most the file's values plus its architecture's characters: each output channel or
    /// feature has at least one stored weight, or a row of its own in a connection table.
    /// </summary>
    private static void CheckWidths(ModelContents contents)
    {
        long witnesses = contents.Tensors.Sum(t => (long)t.Values.Length) + contents.Architecture.ToJsonString().Length;
        foreach (var (key, value) in Walk(contents.Architecture))
            if (WidthKeys.Contains(key) && value is JsonValue v && v.TryGetValue<long>(out long width) && width > witnesses)
                throw new InvalidDataException($"corrupt architecture: a layer declares {key} = {width:N0}, more than the file's {witnesses:N0} stored values and characters could hold.");
    }

    private static IEnumerable<(string Key, JsonNode? Value)> Walk(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (key, child) in o)
                {
                    yield return (key, child);
                    foreach (var inner in Walk(child)) yield return inner;
                }
                break;
            case JsonArray a:
                foreach (var child in a)
                    foreach (var inner in Walk(child)) yield return inner;
                break;
        }
    }

    /// <summary>
    /// Runs a step that reads or builds the architecture; whatever a malformed description makes it throw (wrong JSON
    /// types, missing keys, layer arguments out of range, shapes that do not fit) becomes one <see cref="InvalidDataException"/>.
    /// </summary>
    private static T Malformed<T>(Func<T> step)
    {
        try
        {
            return step();
        }
        catch (Exception e) when (e is not (OutOfMemoryException or OperationCanceledException))
        {
            throw new InvalidDataException($"corrupt architecture: {e.Message}", e);
        }
    }

    /// <summary>Every stored tensor names a parameter of the architecture with its shape, and every parameter is stored.</summary>
    public static void CheckTensors(Network network, IReadOnlyList<NamedTensor> tensors)
    {
        var byName = new Dictionary<string, NamedTensor>(tensors.Count);
        foreach (var t in tensors)
            if (!byName.TryAdd(t.Name, t)) throw new InvalidDataException($"corrupt tensors: '{t.Name}' is stored twice.");
        foreach (var p in network.Parameters)
        {
            if (!byName.Remove(p.Name, out var t)) throw new InvalidDataException($"tensor '{p.Name}' {p.Shape} is missing.");
            if (t.Shape != p.Shape) throw new InvalidDataException($"tensor '{p.Name}' has shape {t.Shape}, the architecture needs {p.Shape}.");
        }
        if (byName.Count > 0) throw new InvalidDataException($"tensor '{byName.Keys.First()}' matches no parameter of the architecture.");
    }

    private static void CheckActivations(Network shapes)
    {
        long total = ModelSummary.Of(shapes).Rows.Sum(r => (long)r.OutputShape.Size);
        if (total > MaxActivationElementsPerSample)
            throw new InvalidDataException($"corrupt architecture: one sample's activations would take {total:N0} floats, "
                + $"over the {MaxActivationElementsPerSample:N0} a model file may ask for.");
    }
}
