using MlNetConv.Layers;

namespace MlNetConv.Graphs;

/// <summary>A handle on a node while a graph is being built.</summary>
public readonly record struct NodeRef(int Index);

/// <summary>
/// Builds an arbitrary DAG: <c>var x = g.Input; var y = g.Add(new Conv2d(64, 3), x); var z = g.Merge(new Add(), y, x); g.Build(z)</c>.
/// </summary>
public sealed class GraphBuilder
{
    private readonly List<GraphNode> _nodes = [];

    public NodeRef Input => new(Graph.GraphInput);

    public NodeRef Add(ILayer layer, NodeRef input)
    {
        _nodes.Add(new GraphNode(layer, null, [input.Index]));
        return new NodeRef(_nodes.Count - 1);
    }

    /// <summary>Appends a chain of layers after <paramref name="input"/> and returns its end.</summary>
    public NodeRef Add(NodeRef input, params ILayer[] layers)
    {
        var at = input;
        foreach (var layer in layers) at = Add(layer, at);
        return at;
    }

    public NodeRef Merge(IMergeLayer merge, params NodeRef[] inputs)
    {
        _nodes.Add(new GraphNode(null, merge, inputs.Select(i => i.Index).ToArray()));
        return new NodeRef(_nodes.Count - 1);
    }

    public Graph Build(params NodeRef[] outputs) => Build(null, outputs);

    public Graph Build(string? name, params NodeRef[] outputs) => new(_nodes, outputs.Select(o => o.Index).ToArray(), name);
}
