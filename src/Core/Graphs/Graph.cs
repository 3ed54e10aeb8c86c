using System.Text.Json.Nodes;
using MlNetConv.Backends;
using MlNetConv.Layers;
using MlNetConv.Tensors;

namespace MlNetConv.Graphs;

/// <summary>One node of a graph: a layer (one input) or a merge (several inputs). Input -1 is the graph's input.</summary>
public sealed record GraphNode(ILayer? Layer, IMergeLayer? Merge, int[] Inputs)
{
    public string Name => Layer?.Name ?? Merge!.Name;
    public string TypeName => Layer?.TypeName ?? Merge!.TypeName;
}

/// <summary>
/// A directed acyclic graph of layers. Nodes only refer to earlier nodes, so the list is its own topological order;
/// backward walks it in reverse and sums gradients where an output fans out (residual skips). A graph is itself a
/// layer, so residual and inception blocks nest; it may have several outputs (GoogLeNet's auxiliary heads). Backward
/// visits only the nodes whose output needs a gradient: those with a weight to update (not frozen) or an input that
/// needs one, so a frozen backbone in front of a trained head costs no backward pass at all.
/// </summary>
public class Graph : ILayer
{
    public const int GraphInput = -1;
    private readonly GraphNode[] _nodes;
    private readonly int[] _outputs;
    private Tensor?[] _values = [];
    private readonly Tensor?[] _accumulators;
    private IBackend? _backend;
    private bool _inputGradRequired = true;
    private EvaluationFusion? _fusion;
    private bool _fusionFound;
    private Parameter[][] _weights = [];
    private bool[] _gradientNeeded = [];

    public Graph(IEnumerable<GraphNode> nodes, IReadOnlyList<int> outputs, string? name = null)
    {
        _nodes = nodes.ToArray();
        _outputs = outputs.ToArray();
        Name = name ?? "";
        if (_nodes.Length == 0) throw new ArgumentException("A graph needs at least one node.");
        if (_outputs.Length == 0) throw new ArgumentException("A graph needs at least one output.");
        var counters = new Dictionary<string, int>();
        for (int i = 0; i < _nodes.Length; i++)
        {
            var node = _nodes[i];
            if ((node.Layer is null) == (node.Merge is null)) throw new ArgumentException($"Graph node {i} must hold exactly one layer or merge.");
            if (node.Layer is not null && node.Inputs.Length != 1) throw new ArgumentException($"Graph node {i} ({node.TypeName}) is a layer and takes one input, got {node.Inputs.Length}.");
            foreach (int input in node.Inputs)
                if (input < GraphInput || input >= i)
                    throw new ArgumentException($"Graph node {i} ({node.TypeName}) refers to node {input}; nodes may only use the graph input (-1) or earlier nodes.");
            if (string.IsNullOrEmpty(node.Name)) Rename(node, DefaultName(node, i, counters));
        }
        var duplicate = _nodes.GroupBy(n => n.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new ArgumentException($"Graph '{Name}': two nodes are named '{duplicate.Key}'.");
        foreach (int o in _outputs)
            if (o < 0 || o >= _nodes.Length) throw new ArgumentException($"Graph output {o} is not a node (0..{_nodes.Length - 1}).");
        _accumulators = new Tensor?[_nodes.Length + 1];
    }

    public string Name { get; set; }
    public virtual string TypeName => "Graph";
    public IReadOnlyList<GraphNode> Nodes => _nodes;
    public IReadOnlyList<int> OutputNodes => _outputs;
    public bool IsBuilt => _backend is not null;
    public Shape InputShape { get; private set; }
    public Shape OutputShape => OutputShapes[0];
    public IReadOnlyList<Shape> OutputShapes { get; private set; } = [];

    /// <summary>Output shape of every node after Build.</summary>
    public IReadOnlyList<Shape> NodeShapes { get; private set; } = [];

    public bool InputGradRequired
    {
        get => _inputGradRequired;
        set
        {
            if (_inputGradRequired == value) return;
            _inputGradRequired = value;
            if (IsBuilt) PlanBackward();
        }
    }

    public IReadOnlyList<ILayer> Children => _nodes.Where(n => n.Layer is not null).Select(n => n.Layer!).ToArray();
    public IReadOnlyList<Parameter> Parameters => Children.SelectMany(c => c.Parameters).ToArray();
    public LayerStats Stats => LayerStats.None;

    public Shape Build(IBackend backend, Shape input)
    {
        if (_backend is not null)
        {
            if (input.Skip(1).SequenceEqual(InputShape.Skip(1))) return OutputShape.WithBatch(input.N);
            throw new InvalidOperationException($"Graph '{Name}' was built for input {InputShape}; it cannot be rebuilt for {input}.");
        }
        BindLinks();
        var shapes = new Shape[_nodes.Length];
        Shape ShapeOf(int i) => i == GraphInput ? input : shapes[i];
        for (int i = 0; i < _nodes.Length; i++)
        {
            var node = _nodes[i];
            shapes[i] = node.Layer is not null
                ? node.Layer.Build(backend, ShapeOf(node.Inputs[0]))
                : node.Merge!.Build(backend, node.Inputs.Select(ShapeOf).ToArray());
        }
        _backend = backend;
        InputShape = input;
        NodeShapes = shapes;
        OutputShapes = _outputs.Select(o => shapes[o]).ToArray();
        _values = new Tensor?[_nodes.Length];
        _weights = _nodes.Select(n => n.Layer?.Parameters.Where(p => p.Trainable).ToArray() ?? []).ToArray();
        _gradientNeeded = new bool[_nodes.Length];
        PlanBackward();
        return OutputShape;
    }

    /// <summary>
    /// Binds every unbound <see cref="ILayerLink"/> of the tree to the layer its name resolves to, by dotted paths relative
    /// to this graph. The outermost graph is built first and so sees the whole tree; names it cannot find stay unbound,
    /// and the link reports that when it is built.
    /// </summary>
    private void BindLinks()
    {
        var layers = new List<(string Path, ILayer Layer)>();
        void Collect(ILayer layer, string prefix)
        {
            foreach (var child in layer.Children)
            {
                layers.Add((prefix + child.Name, child));
                Collect(child, prefix + child.Name + ".");
            }
        }
        Collect(this, "");
        foreach (var (path, layer) in layers)
        {
            if (layer is not ILayerLink { IsBound: false } link) continue;
            var exact = layers.Where(l => l.Path == link.Target).ToArray();
            var matches = exact.Length > 0 ? exact : layers.Where(l => l.Path.EndsWith("." + link.Target, StringComparison.Ordinal)).ToArray();
            if (matches.Length > 1)
                throw new ArgumentException($"Layer '{path}' ({layer.TypeName}) refers to '{link.Target}', which names {matches.Length} layers " +
                    $"({string.Join(", ", matches.Select(m => m.Path))}); give a longer dotted path.");
            if (matches.Length == 1) link.Bind(matches[0].Layer);
        }
    }

    public Tensor Forward(Tensor input, bool training) => ForwardAll(input, training)[0];

    /// <summary>Runs every node and returns the graph's outputs in order.</summary>
    public IReadOnlyList<Tensor> ForwardAll(Tensor input, bool training)
    {
        if (_backend is null) throw new InvalidOperationException($"Graph '{Name}' is used before Build.");
        Tensor ValueOf(int i) => i == GraphInput ? input : _values[i]!;
        var fusion = training || _backend.Convolution is not IFusedConvolutionKernels ? null : Fusion();
        for (int i = 0; i < _nodes.Length; i++)
        {
            var node = _nodes[i];
            if (fusion is not null && fusion.Covers(i, out var chain))
            {
                // A node that a chain ending at a later node computes, or the chain's last node, which runs the whole chain.
                _values[i] = chain?.Convolution.ForwardFused(ValueOf(chain.Input), chain.Epilogue,
                    chain.Epilogue.AddsResidual ? ValueOf(chain.Residual) : null);
                continue;
            }
            _values[i] = node.Layer is not null
                ? node.Layer.Forward(ValueOf(node.Inputs[0]), training)
                : node.Merge!.Forward(node.Inputs.Select(ValueOf).ToArray());
        }
        return _outputs.Select(o => _values[o]!).ToArray();
    }

    /// <summary>The graph's evaluation chains, found at the first evaluation (the graph's shape never changes).</summary>
    private EvaluationFusion? Fusion()
    {
        if (!_fusionFound) (_fusion, _fusionFound) = (EvaluationFusion.Find(_nodes, _outputs), true);
        return _fusion;
    }

    public Tensor? Backward(Tensor outputGrad) => BackwardAll([outputGrad]);

    /// <summary>Backpropagates one gradient per output (null: that output does not feed the loss).</summary>
    public Tensor? BackwardAll(IReadOnlyList<Tensor?> outputGrads)
    {
        if (outputGrads.Count != _outputs.Length)
            throw new ArgumentException($"Graph '{Name}' has {_outputs.Length} outputs but got {outputGrads.Count} gradients.");
        if (_backend is null) throw new InvalidOperationException($"Graph '{Name}' is used before Build.");
        PlanBackward(); // parameters may have been frozen or unfrozen since the last step
        var grads = new Tensor?[_nodes.Length + 1];
        var owned = new bool[_nodes.Length + 1];
        for (int j = 0; j < _outputs.Length; j++)
            if (outputGrads[j] is { } g) Accumulate(grads, owned, _outputs[j], g);
        for (int i = _nodes.Length - 1; i >= 0; i--)
        {
            var grad = grads[i];
            if (grad is null || !_gradientNeeded[i]) continue;
            var node = _nodes[i];
            if (node.Layer is not null)
            {
                var inputGrad = node.Layer.Backward(grad);
                if (inputGrad is not null) Accumulate(grads, owned, node.Inputs[0], inputGrad);
            }
            else
            {
                var inputGrads = node.Merge!.Backward(grad);
                for (int k = 0; k < node.Inputs.Length; k++)
                    if (GradientNeeded(node.Inputs[k])) Accumulate(grads, owned, node.Inputs[k], inputGrads[k]);
            }
        }
        return InputGradRequired ? grads[_nodes.Length] : null;
    }

    /// <summary>
    /// Marks the nodes whose output needs a gradient: a node with a weight to update, or with an input that needs one (the
    /// graph's input needs one when <see cref="InputGradRequired"/>). Each layer is told whether its own input needs one,
    /// so a frozen layer after a trained one still passes the gradient on, and one after frozen layers only is skipped.
    /// </summary>
    private void PlanBackward()
    {
        for (int i = 0; i < _nodes.Length; i++)
        {
            var node = _nodes[i];
            bool input = false;
            foreach (int k in node.Inputs) input |= GradientNeeded(k);
            if (node.Layer is not null) node.Layer.InputGradRequired = input;
            bool update = false;
            foreach (var p in _weights[i]) update |= !p.Frozen;
            _gradientNeeded[i] = input || update;
        }
    }

    private bool GradientNeeded(int node) => node == GraphInput ? _inputGradRequired : _gradientNeeded[node];

    /// <summary>
    /// Adds a gradient into a node's slot. The first gradient is borrowed (no copy); a second one at a fan-out
    /// copies into a buffer the graph owns before summing, so no layer's buffer is ever modified.
    /// </summary>
    private void Accumulate(Tensor?[] grads, bool[] owned, int node, Tensor grad)
    {
        int slot = node == GraphInput ? _nodes.Length : node;
        var current = grads[slot];
        if (current is null)
        {
            grads[slot] = grad;
            return;
        }
        var backend = _backend!;
        if (!owned[slot])
        {
            var acc = backend.Reuse(ref _accumulators[slot], current.Shape);
            backend.Elementwise.Copy(current, acc);
            grads[slot] = acc;
            owned[slot] = true;
        }
        backend.Elementwise.Axpy(1f, grad, grads[slot]!);
    }

    public virtual void WriteConfig(JsonObject config)
    {
        var nodes = new JsonArray();
        foreach (var node in _nodes)
        {
            var item = LayerRegistry.ToJson(node);
            item["inputs"] = Json.Ints(node.Inputs);
            nodes.Add(item);
        }
        config["nodes"] = nodes;
        config["outputs"] = Json.Ints(_outputs);
    }

    private static void Rename(GraphNode node, string name)
    {
        if (node.Layer is not null) node.Layer.Name = name;
        else node.Merge!.Name = name;
    }

    protected virtual string DefaultName(GraphNode node, int index, Dictionary<string, int> counters)
    {
        string type = node.TypeName.ToLowerInvariant();
        int k = counters.GetValueOrDefault(type);
        counters[type] = k + 1;
        return $"{type}{k}";
    }

    public override string ToString() => $"{TypeName}({_nodes.Length} nodes)";
}
