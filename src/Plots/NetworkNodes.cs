using MlNetConv.Graphs;
using MlNetConv.Layers;

namespace MlNetConv.Plots;

/// <summary>
/// The nodes of a network by the names figures take: the dotted path from the root (<c>conv1</c>, <c>layer3.1.conv2</c>),
/// as <see cref="GraphSurgery.CutAt"/> and parameter names use them.
/// </summary>
public static class NetworkNodes
{
    /// <summary>Every node with its path, depth first (a nested graph before its own nodes); a root that is a single layer is its only node.</summary>
    public static IReadOnlyList<(string Path, ILayer Layer)> All(Network network)
    {
        ArgumentNullException.ThrowIfNull(network);
        var nodes = new List<(string, ILayer)>();
        if (network.Root is Graph graph) Collect(graph, "", nodes);
        else nodes.Add((network.Root.Name, network.Root));
        return nodes;
    }

    /// <summary>The layer of the node at <paramref name="path"/>.</summary>
    /// <exception cref="ArgumentException">no node has that path (the message lists the first ones there are)</exception>
    public static ILayer Find(Network network, string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var all = All(network);
        foreach (var (p, layer) in all)
            if (p == path) return layer;
        throw new ArgumentException($"The network has no layer '{path}'. Its layers are {Names(all)}.");
    }

    /// <summary>The convolution at <paramref name="path"/>, or the network's first convolution when it is null.</summary>
    /// <exception cref="ArgumentException">no such node, a node that is not a convolution, or a network without one</exception>
    public static (string Path, Convolution Layer) Convolution(Network network, string? path = null)
    {
        var all = All(network);
        if (path is null)
        {
            foreach (var (p, node) in all)
                if (node is Convolution first) return (p, first);
            throw new ArgumentException($"The network has no convolution. Its layers are {Names(all)}.");
        }
        var found = Find(network, path);
        return found is Convolution convolution
            ? (path, convolution)
            : throw new ArgumentException($"Layer '{path}' is a {found.TypeName}, not a convolution. The convolutions are {Names([.. all.Where(n => n.Layer is Convolution)])}.");
    }

    private static void Collect(Graph graph, string prefix, List<(string, ILayer)> nodes)
    {
        foreach (var node in graph.Nodes)
        {
            if (node.Layer is null) continue;
            nodes.Add((prefix + node.Name, node.Layer));
            if (node.Layer is Graph inner) Collect(inner, prefix + node.Name + ".", nodes);
        }
    }

    private static string Names(IReadOnlyList<(string Path, ILayer Layer)> nodes) =>
        nodes.Count == 0 ? "none" : string.Join(", ", nodes.Take(40).Select(n => n.Path)) + (nodes.Count > 40 ? $", … ({nodes.Count} in all)" : "");
}
