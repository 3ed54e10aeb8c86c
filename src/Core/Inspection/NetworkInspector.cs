using MlNetConv.Backends;
using MlNetConv.Graphs;
using MlNetConv.Layers;
using MlNetConv.Tensors;

namespace MlNetConv.Inspection;

/// <summary>
/// What a network computes inside, for one image at a time: every leaf layer's and merge's output from one evaluation
/// (<see cref="Record"/>), which units of the previous nodes a unit reads (<see cref="Links"/>) and the input pixels it
/// sees (<see cref="ReceptiveField"/>). Nested graphs are flattened into dotted paths. Evaluation runs node by node in
/// evaluation mode, without the fused convolution chains, so that every intermediate value exists; the values are those
/// <see cref="Network.Forward"/> gives. One evaluation at a time: <see cref="Record"/> takes a lock.
/// </summary>
public sealed class NetworkInspector
{
    /// <summary>The index that stands for the network's input among a node's inputs.</summary>
    public const int NetworkInput = -1;

    private readonly object _gate = new();
    private readonly InspectedNode[] _nodes;
    private Tensor? _input;

    public NetworkInspector(Network network)
    {
        Network = network ?? throw new ArgumentNullException(nameof(network));
        var nodes = new List<InspectedNode>();
        Output = Flatten(network.Root, "", [NetworkInput], nodes, isRoot: true);
        _nodes = [.. nodes];
    }

    public Network Network { get; }

    /// <summary>Every leaf layer and merge, in evaluation order.</summary>
    public IReadOnlyList<InspectedNode> Nodes => _nodes;

    /// <summary>The node whose output is the network's (first) output.</summary>
    public int Output { get; }

    /// <summary>One input sample (C, H, W).</summary>
    public Shape InputShape => Network.SampleShape;

    /// <summary>The node at a dotted path.</summary>
    /// <exception cref="KeyNotFoundException">no node has that path; the message lists the paths</exception>
    public InspectedNode this[string path] => _nodes.FirstOrDefault(n => n.Path == path)
        ?? throw new KeyNotFoundException($"The network has no layer '{path}'; its layers: {string.Join(", ", _nodes.Select(n => n.Path))}.");

    /// <summary>Evaluates one sample and returns every node's output, indexed like <see cref="Nodes"/>.</summary>
    /// <param name="sample">one input (C, H, W), already preprocessed</param>
    /// <exception cref="ArgumentException">the sample has another size than <see cref="InputShape"/></exception>
    public float[][] Record(ReadOnlySpan<float> sample)
    {
        if (sample.Length != InputShape.Size)
            throw new ArgumentException($"Expected one sample of {InputShape} ({InputShape.Size} values), got {sample.Length} values.", nameof(sample));
        lock (_gate)
        {
            var input = Network.Backend.Reuse(ref _input, Network.InputShape.WithBatch(1));
            input.CopyFrom(sample);
            var values = new Tensor[_nodes.Length];
            Tensor ValueOf(int i) => i == NetworkInput ? input : values[i];
            foreach (var node in _nodes)
            {
                values[node.Index] = node.Layer is not null
                    ? node.Layer.Forward(ValueOf(node.Inputs[0]), training: false)
                    : node.Merge!.Forward(node.Inputs.Select(ValueOf).ToArray());
            }
            // Layers own their outputs until their next call: copy each out before anything else runs.
            return values.Select(v => v.ToArray()).ToArray();
        }
    }

    /// <summary>For each input of the node, the units of that input the given unit reads.</summary>
    /// <exception cref="ArgumentOutOfRangeException">no such node or unit</exception>
    public IReadOnlyList<UnitSet> Links(int node, Unit unit)
    {
        var n = NodeAt(node);
        CheckUnit(n, unit);
        return UnitLinks.Of(n, unit, InputShapes(n));
    }

    /// <summary>The input pixels a unit sees, through every path back to the input, clipped to the image.</summary>
    /// <exception cref="ArgumentOutOfRangeException">no such node or unit</exception>
    public PixelBox ReceptiveField(int node, Unit unit) => Field(node, unit).ClampTo(HeightOf(InputShape), WidthOf(InputShape));

    /// <summary>
    /// The receptive field before clipping: padding counted, so its size is the one <see cref="Summary.ModelSummary"/>
    /// reports for chains of layers.
    /// </summary>
    public PixelBox Field(int node, Unit unit)
    {
        var n = NodeAt(node);
        CheckUnit(n, unit);
        var boxes = new PixelBox?[_nodes.Length];
        boxes[node] = new PixelBox(unit.Y, unit.X, unit.Y, unit.X);
        PixelBox? inputBox = null;
        for (int i = node; i >= 0; i--)
        {
            if (boxes[i] is not { } box) continue;
            var current = _nodes[i];
            var shapes = InputShapes(current);
            var through = UnitLinks.BoxesOf(current, box, shapes);
            for (int k = 0; k < current.Inputs.Count; k++)
            {
                int source = current.Inputs[k];
                if (source == NetworkInput) inputBox = inputBox is { } b ? b.Union(through[k]) : through[k];
                else boxes[source] = boxes[source] is { } b ? b.Union(through[k]) : through[k];
            }
        }
        return inputBox ?? throw new InvalidOperationException($"Node '{n.Path}' does not depend on the network's input.");
    }

    /// <summary>One sample's shape of each input of the node.</summary>
    public IReadOnlyList<Shape> InputShapes(InspectedNode node) =>
        node.Inputs.Select(i => i == NetworkInput ? InputShape : _nodes[i].OutputShape).ToArray();

    internal static int HeightOf(Shape sample) => sample.Rank >= 3 ? sample[^2] : 1;
    internal static int WidthOf(Shape sample) => sample.Rank >= 2 ? sample[^1] : 1;

    private InspectedNode NodeAt(int node) => node >= 0 && node < _nodes.Length ? _nodes[node]
        : throw new ArgumentOutOfRangeException(nameof(node), $"There is no node {node}; the network has {_nodes.Length}.");

    private static void CheckUnit(InspectedNode n, Unit u)
    {
        if (u.Channel < 0 || u.Channel >= n.Channels || u.Y < 0 || u.Y >= n.Height || u.X < 0 || u.X >= n.Width)
            throw new ArgumentOutOfRangeException(nameof(u), $"Unit {u} is outside '{n.Path}', whose output is {n.Channels} x {n.Height} x {n.Width}.");
    }

    /// <summary>Appends the leaves of <paramref name="layer"/> reading <paramref name="inputs"/>; returns the index of its output node.</summary>
    private static int Flatten(ILayer layer, string path, IReadOnlyList<int> inputs, List<InspectedNode> nodes, bool isRoot = false)
    {
        if (layer is not Graph graph)
        {
            nodes.Add(new InspectedNode(nodes.Count, path + layer.Name, layer.TypeName, layer.ToString() ?? layer.TypeName, layer, null,
                inputs, Sample(layer.OutputShape)));
            return nodes.Count - 1;
        }
        // As in the summary: the root graph adds no prefix, nested graphs add their name.
        string prefix = isRoot ? "" : path + graph.Name + ".";
        var at = new int[graph.Nodes.Count];
        int Resolve(int i) => i == Graph.GraphInput ? inputs[0] : at[i];
        for (int i = 0; i < graph.Nodes.Count; i++)
        {
            var node = graph.Nodes[i];
            if (node.Layer is not null) at[i] = Flatten(node.Layer, prefix, [Resolve(node.Inputs[0])], nodes);
            else
            {
                nodes.Add(new InspectedNode(nodes.Count, prefix + node.Name, node.TypeName, node.Merge!.ToString() ?? node.TypeName, null,
                    node.Merge, node.Inputs.Select(Resolve).ToArray(), Sample(node.Merge.OutputShape)));
                at[i] = nodes.Count - 1;
            }
        }
        return at[graph.OutputNodes[0]];
    }

    private static Shape Sample(Shape batched) => new(batched.Skip(1).ToArray());
}
