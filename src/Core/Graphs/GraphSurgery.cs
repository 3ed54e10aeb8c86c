using MlNetConv.Layers;

namespace MlNetConv.Graphs;

/// <summary>
/// Cutting and extending networks for transfer learning: a trained classifier cut at a hidden node becomes a
/// featurizer, and that body with a new head a network to fine-tune. Every result is an unbuilt copy (configurations,
/// not weights) whose layers keep their names, so that the parameters keep theirs and
/// <see cref="Network.CopyMatchingParameters"/> carries the trained weights over:
/// <code>
/// var body = GraphSurgery.CutAt(trained.Root, GraphSurgery.LastHiddenNode(trained.Root));
/// using var tuned = new Network(GraphSurgery.Append(body, new Dense(5, name: "head")), trained.SampleShape);
/// tuned.CopyMatchingParameters(trained);
/// </code>
/// </summary>
public static class GraphSurgery
{
    /// <summary>
    /// An unbuilt copy of <paramref name="root"/> (a graph or chain, as <see cref="NetworkBuilder"/> or an importer writes
    /// it) whose only output is the node named <paramref name="nodeName"/>, keeping only the nodes it depends on. A node is
    /// named as in <see cref="Graph.Nodes"/>, a nested one by its dotted path (<c>layer3.1.conv2</c>): the graphs that hold
    /// it are cut too. Chains stay chains; names, and so parameter names, stay the same.
    /// </summary>
    /// <exception cref="ArgumentException">no node has that name (the message lists the names there are)</exception>
    public static ILayer CutAt(ILayer root, string nodeName)
    {
        ArgumentNullException.ThrowIfNull(root);
        return Cut(NodePath.Resolve(root, nodeName), 0);
    }

    /// <summary>
    /// <paramref name="body"/> (copied, unbuilt) followed by the <paramref name="head"/> layers in a chain. The result is
    /// named as the body and the body's nodes stay where they were, so its parameters keep their names
    /// (<c>layer4.1.conv2.weight</c>, not <c>body.layer4…</c>); unnamed head layers are named by the result (by position
    /// after a chain, by type after a graph). The head layers are used as they are, unbuilt.
    /// </summary>
    /// <exception cref="ArgumentException">no head layer, or a body with several outputs</exception>
    public static ILayer Append(ILayer body, params ILayer[] head)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(head);
        if (head.Length == 0) throw new ArgumentException("Append needs at least one head layer.", nameof(head));
        if (head.Any(l => l.IsBuilt)) throw new ArgumentException($"Head layer '{head.First(l => l.IsBuilt).Name}' is already built; give new layers.", nameof(head));
        var copy = LayerRegistry.ReadLayer(LayerRegistry.ToJson(body));
        switch (copy)
        {
            case Sequential chain:
                return new Sequential([.. chain.Layers, .. head], chain.Name);
            case Graph graph:
                if (graph.OutputNodes.Count != 1)
                    throw new ArgumentException($"Graph '{body.Name}' has {graph.OutputNodes.Count} outputs; a head follows one: cut the graph at a node first ({nameof(CutAt)}).", nameof(body));
                var nodes = graph.Nodes.ToList();
                int at = graph.OutputNodes[0];
                foreach (var layer in head)
                {
                    nodes.Add(new GraphNode(layer, null, [at]));
                    at = nodes.Count - 1;
                }
                return new Graph(nodes, [at], graph.Name);
            default:
                return new Sequential([copy, .. head], null);
        }
    }

    /// <summary>
    /// The node that feeds the final classifier: walking back from the first output through single-input layers (softmax,
    /// dropout, nested chains) to the first <see cref="Dense"/> layer (an imported Gemm or MatMul), the node that layer
    /// reads, itself stepped back past flatten, reshape and dropout layers, which only rearrange or (in evaluation)
    /// copy. ResNet's <c>avgpool</c>, AlexNet's <c>classifier.5</c>, LeNet-5's <c>relu4</c>: a featurizer's default node.
    /// </summary>
    /// <exception cref="ArgumentException">no dense layer feeds the first output, or it reads the network's input</exception>
    public static string LastHiddenNode(ILayer root)
    {
        ArgumentNullException.ThrowIfNull(root);
        if (root is not Graph graph)
            throw new ArgumentException($"The network '{root.Name}' is a single {root.TypeName} layer: it has no hidden node.", nameof(root));
        var at = new List<NodePath.Step> { new(graph, graph.OutputNodes[0]) };
        string NoHead(string met) => $"The network '{root.Name}' has no dense classifier feeding its first output: walking back from it, " +
            $"{met}. Name the feature node yourself.";
        while (at[^1].Node.Layer is not Dense)
        {
            var node = at[^1].Node;
            if (node.Layer is Graph inner) at.Add(new NodePath.Step(inner, inner.OutputNodes[0]));
            else if (node.Layer is null) throw new ArgumentException(NoHead($"it met the merge '{NodePath.Path(at)}' ({node.TypeName}) first"), nameof(root));
            else if (!StepBack(at)) throw new ArgumentException(NoHead("it reached the network's input"), nameof(root));
        }
        string classifier = NodePath.Path(at);
        do
        {
            if (!StepBack(at)) throw new ArgumentException($"The classifier '{classifier}' of network '{root.Name}' reads the network's input: there is no hidden node.", nameof(root));
        } while (at[^1].Node.Layer is Flatten or Reshape or DropoutBase);
        return NodePath.Path(at);
    }

    /// <summary>Moves to the node the current one reads, out of the graphs whose input that is; false at the network's input.</summary>
    private static bool StepBack(List<NodePath.Step> at)
    {
        int input = at[^1].Node.Inputs[0];
        while (input == Graph.GraphInput)
        {
            at.RemoveAt(at.Count - 1);
            if (at.Count == 0) return false;
            input = at[^1].Node.Inputs[0];
        }
        at[^1] = at[^1] with { Index = input };
        return true;
    }

    /// <summary>The graph of step <paramref name="level"/> cut at its node, which, above the last level, is itself cut.</summary>
    private static Graph Cut(IReadOnlyList<NodePath.Step> steps, int level)
    {
        var (graph, target) = (steps[level].Graph, steps[level].Index);
        var kept = NodePath.Ancestors(graph, [target], out _);
        var index = new int[kept.Length];
        var nodes = new List<GraphNode>();
        for (int i = 0; i < kept.Length; i++)
        {
            if (!kept[i]) continue;
            var node = graph.Nodes[i];
            int[] inputs = node.Inputs.Select(k => k == Graph.GraphInput ? k : index[k]).ToArray();
            index[i] = nodes.Count;
            nodes.Add(i == target && level < steps.Count - 1 ? new GraphNode(Cut(steps, level + 1), null, inputs) : LayerRegistry.Copy(node, inputs));
        }
        // A chain's node depends on every node before it, so the cut keeps a chain.
        return graph is Sequential ? new Sequential(nodes.Select(n => n.Layer!), graph.Name) : new Graph(nodes, [index[target]], graph.Name);
    }
}
