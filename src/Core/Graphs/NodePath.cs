using MlNetConv.Layers;

namespace MlNetConv.Graphs;

/// <summary>
/// Nodes of a tree of graphs named by their dotted path from the root, as parameters are (<c>layer3</c>,
/// <c>layer3.1.conv2</c>; an imported graph's node names may contain dots themselves), and what a node depends on.
/// </summary>
internal static class NodePath
{
    /// <summary>Where a node sits: the graph that holds it and its index there.</summary>
    public readonly record struct Step(Graph Graph, int Index)
    {
        public GraphNode Node => Graph.Nodes[Index];
    }

    /// <summary>Every node of the tree with its dotted path, depth first (a nested graph before its own nodes).</summary>
    public static IEnumerable<(string Path, GraphNode Node)> All(ILayer root)
    {
        if (root is not Graph graph) yield break;
        foreach (var node in graph.Nodes)
        {
            yield return (node.Name, node);
            if (node.Layer is not Graph) continue;
            foreach (var (path, inner) in All(node.Layer)) yield return (node.Name + "." + path, inner);
        }
    }

    /// <summary>The steps from the root's graph down to the node named <paramref name="path"/>.</summary>
    /// <exception cref="ArgumentException">no node, or more than one, has that path (the message lists the names there are)</exception>
    public static IReadOnlyList<Step> Resolve(ILayer root, string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (root is not Graph graph)
            throw new ArgumentException($"The network's root '{root.Name}' ({root.TypeName}) is a single layer: it has no node '{path}'.");
        var matches = Find(graph, path);
        if (matches.Count == 1) return matches[0];
        if (matches.Count > 1)
            throw new ArgumentException($"'{path}' names {matches.Count} nodes of the network, as different splits of its dots.");
        var (deepest, prefix) = Deepest(graph, path, "");
        string there = deepest == graph ? "" : $"; '{prefix}' has {Names(deepest)}";
        string nested = All(graph).Any(n => n.Node.Layer is Graph)
            ? " Nested nodes are named by their dotted path, as parameters are (" + All(graph).First(n => n.Path.Contains('.')).Path + ")."
            : "";
        throw new ArgumentException($"The network has no node '{path}'. Its nodes are {Names(graph)}{there}.{nested}");
    }

    /// <summary>
    /// The layers the node named <paramref name="path"/> consists of and depends on: its own layer (a nested graph
    /// whole) and every layer on a path from the network's input to it, through nested graphs.
    /// </summary>
    public static IReadOnlyList<ILayer> LayersThrough(ILayer root, string path)
    {
        var steps = Resolve(root, path);
        var layers = new List<ILayer>();
        bool readsInput = true;
        for (int level = steps.Count - 1; level >= 0 && readsInput; level--)
        {
            var step = steps[level];
            // The node itself at its own level; above it, what feeds the nested graph that holds it, when it reads that graph's input.
            var kept = Ancestors(step.Graph, level == steps.Count - 1 ? [step.Index] : step.Node.Inputs, out readsInput);
            for (int i = 0; i < kept.Length; i++)
                if (kept[i] && step.Graph.Nodes[i].Layer is { } layer) layers.Add(layer);
        }
        return layers;
    }

    /// <summary>
    /// The nodes <paramref name="from"/> are and depend on in <paramref name="graph"/>; <paramref name="readsInput"/>
    /// says whether the graph's input is among what they depend on.
    /// </summary>
    public static bool[] Ancestors(Graph graph, IReadOnlyList<int> from, out bool readsInput)
    {
        var kept = new bool[graph.Nodes.Count];
        readsInput = false;
        foreach (int i in from)
            if (i == Graph.GraphInput) readsInput = true;
            else kept[i] = true;
        // Nodes only read earlier nodes: one pass from the last node back closes the set.
        for (int i = kept.Length - 1; i >= 0; i--)
        {
            if (!kept[i]) continue;
            foreach (int input in graph.Nodes[i].Inputs)
                if (input == Graph.GraphInput) readsInput = true;
                else kept[input] = true;
        }
        return kept;
    }

    public static string Path(IReadOnlyList<Step> steps) => string.Join(".", steps.Select(s => s.Node.Name));

    private static List<Step[]> Find(Graph graph, string path)
    {
        var matches = new List<Step[]>();
        for (int i = 0; i < graph.Nodes.Count; i++)
        {
            var node = graph.Nodes[i];
            if (path == node.Name) matches.Add([new Step(graph, i)]);
            else if (node.Layer is Graph inner && path.StartsWith(node.Name + ".", StringComparison.Ordinal))
                foreach (var rest in Find(inner, path[(node.Name.Length + 1)..])) matches.Add([new Step(graph, i), .. rest]);
        }
        return matches;
    }

    /// <summary>The innermost graph whose dotted path begins <paramref name="path"/>, and that path: where the name went wrong.</summary>
    private static (Graph Graph, string Path) Deepest(Graph graph, string path, string prefix)
    {
        foreach (var node in graph.Nodes)
            if (node.Layer is Graph inner && path.StartsWith(node.Name + ".", StringComparison.Ordinal))
                return Deepest(inner, path[(node.Name.Length + 1)..], prefix + (prefix.Length > 0 ? "." : "") + node.Name);
        return (graph, prefix);
    }

    /// <summary>The names of a graph's nodes, the first 64 of a larger one (an imported graph may have thousands).</summary>
    private static string Names(Graph graph)
    {
        const int shown = 64;
        string names = string.Join(", ", graph.Nodes.Take(shown).Select(n => n.Name));
        return graph.Nodes.Count <= shown ? names : $"{names} and {graph.Nodes.Count - shown} more";
    }
}
