using System.Text.Json.Nodes;
using MlNetConv.Layers;

namespace MlNetConv.Graphs;

/// <summary>A chain of layers, the common case of a graph. Unnamed layers are named by position ("0", "1", …) as in PyTorch.</summary>
public sealed class Sequential : Graph
{
    public Sequential(IEnumerable<ILayer> layers, string? name = null) : this(layers.ToArray(), name) { }

    public Sequential(params ILayer[] layers) : this(layers, null) { }

    private Sequential(ILayer[] layers, string? name) : base(Chain(layers), [layers.Length - 1], name) => Layers = layers;

    public IReadOnlyList<ILayer> Layers { get; }
    public override string TypeName => "Sequential";

    private static IEnumerable<GraphNode> Chain(IEnumerable<ILayer> layers) =>
        layers.Select((layer, i) => new GraphNode(layer, null, [i - 1]));

    protected override string DefaultName(GraphNode node, int index, Dictionary<string, int> counters) => index.ToString();

    public override void WriteConfig(JsonObject config)
    {
        var layers = new JsonArray();
        foreach (var layer in Layers) layers.Add(LayerRegistry.ToJson(layer));
        config["layers"] = layers;
    }
}
