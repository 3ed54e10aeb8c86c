using MlNetConv.Backends;
using MlNetConv.Graphs;
using MlNetConv.Layers;
using MlNetConv.Tensors;
using Onnx;

namespace MlNetConv.Onnx.Import;

/// <summary>
/// Walks an ONNX graph's nodes in their (topological) order and builds the engine's graph: each node becomes a layer or a
/// merge (its operator's handler, in the partial files beside this one), or, when all its inputs are known at import, a
/// constant (<see cref="ConstantFolder"/>). Only nodes that some graph output depends on are imported. Layers are built
/// on the target backend as they are made, so every shape is known when the next node asks (Shape, Reshape); the
/// weights are copied in once the <see cref="Network"/> stands.
/// </summary>
internal sealed partial class GraphImporter
{
    /// <summary>One computed tensor of one sample: 2^27 floats (512 MiB).</summary>
    private const long MaxActivationPerSample = 1L << 27;

    /// <summary>All computed tensors of one sample together, as <see cref="Persistence.ModelFile"/> allows on loading.</summary>
    private const long MaxActivationsPerSample = 1L << 30;

    /// <summary>
    /// Values a constant computed at import may hold at least (shape arithmetic needs a handful); beyond it, as many as the
    /// initializers hold together (a weight transposed or scaled), so a small file cannot make a large constant.
    /// </summary>
    private const long MinConstantBudget = 1 << 16;

    /// <summary>The batch size shapes are evaluated with when the model leaves it symbolic; any other size works the same.</summary>
    private const int SymbolicBatch = 2;

    private readonly ModelProto _model;
    private readonly long _opset;
    private readonly OnnxImportOptions _options;
    private readonly IBackend _backend;
    private readonly TensorReader _tensors;
    private readonly GraphBuilder _graph = new();
    private readonly Dictionary<string, ImportedValue> _values = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _notImported = new(StringComparer.Ordinal);
    private readonly Dictionary<string, float[]> _weights = new(StringComparer.Ordinal);
    private readonly HashSet<string> _layerNames = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<int>> _consumers = new(StringComparer.Ordinal);
    private readonly HashSet<int> _fused = [];
    private readonly Dictionary<int, ILayer> _layerAt = [];
    private ConstantFolder _folder = null!;
    private Shape _sampleShape;
    private int _batch;
    private long _activations;

    public GraphImporter(ModelProto model, long opset, OnnxImportOptions options, IBackend backend)
    {
        _model = model;
        _opset = opset;
        _options = options;
        _backend = backend;
        _tensors = new TensorReader(options.ExternalDataDirectory);
    }

    private GraphProto Graph => _model.Graph;

    public Network Import()
    {
        if (_model.Graph is null) throw new InvalidDataException("the model has no graph.");
        if (Graph.Output.Count == 0) throw new InvalidDataException("the graph has no outputs.");
        if (Graph.SparseInitializer.Count > 0) throw new NotSupportedException("sparse initializers are not supported.");
        long constantBudget = ReadInitializers();
        _folder = new ConstantFolder(_tensors, Math.Max(MinConstantBudget, constantBudget));
        ReadInput();
        var nodes = Graph.Node.Select((n, i) => new OnnxNode(n, i, _opset)).ToArray();
        var needed = Needed(nodes);
        for (int i = 0; i < nodes.Length; i++)
            foreach (string input in References(nodes[i].Proto))
                if (needed[i] && input.Length > 0) (_consumers.TryGetValue(input, out var list) ? list : _consumers[input] = []).Add(i);
        for (int i = 0; i < nodes.Length; i++)
            if (needed[i] && !_fused.Contains(i)) ImportNode(nodes, nodes[i]);
        var outputs = Graph.Output.Select(o => OutputOf(o.Name)).ToArray();
        var root = _graph.Build(Graph.Name.Length > 0 ? Graph.Name : "onnx", outputs);
        return Assemble(root);
    }

    /// <summary>Decodes every initializer; returns their total count of values (the bound on constants computed from them).</summary>
    private long ReadInitializers()
    {
        long total = 0;
        foreach (var tensor in Graph.Initializer)
        {
            if (tensor.Name.Length == 0) throw new InvalidDataException("an initializer has no name.");
            if (_values.ContainsKey(tensor.Name)) throw new InvalidDataException($"two initializers are named '{tensor.Name}'.");
            var constant = _tensors.Read(tensor, $"initializer '{tensor.Name}'");
            _values[tensor.Name] = ImportedValue.Known(constant, tensor.Name);
            total += constant.Count;
        }
        return total;
    }

    /// <summary>
    /// The one graph input that is not an initializer (those are defaults, IR &lt; 4): a float tensor (N, C, spatial...)
    /// whose sample dimensions are fixed by the model or by <see cref="OnnxImportOptions.SampleShape"/>.
    /// </summary>
    private void ReadInput()
    {
        var inputs = Graph.Input.Where(i => !_values.ContainsKey(i.Name)).ToArray();
        if (inputs.Length == 0) throw new InvalidDataException("the graph has no input besides its initializers.");
        if (inputs.Length > 1) throw new NotSupportedException($"the graph has {inputs.Length} inputs ({string.Join(", ", inputs.Select(i => $"'{i.Name}'"))}); networks take one.");
        var input = inputs[0];
        var tensor = input.Type?.TensorType ?? throw new NotSupportedException($"input '{input.Name}' is not a tensor.");
        if (tensor.ElemType != (int)TensorProto.Types.DataType.Float)
            throw new NotSupportedException($"input '{input.Name}' has element type {tensor.ElemType}; networks take float tensors (1).");
        var dims = tensor.Shape?.Dim ?? throw new InvalidDataException($"input '{input.Name}' has no shape.");
        if (dims.Count is < 2 or > Shape.MaxRank)
            throw new NotSupportedException($"input '{input.Name}' has rank {dims.Count}; networks take (N, C), (N, C, L), (N, C, H, W) or (N, C, D, H, W).");
        var given = _options.SampleShape;
        if (given is { } g && g.Rank != dims.Count - 1)
            throw new ArgumentException($"the sample shape {g} has rank {g.Rank}, input '{input.Name}' takes samples of rank {dims.Count - 1}.");
        var sample = new int[dims.Count - 1];
        for (int i = 1; i < dims.Count; i++)
        {
            var d = dims[i];
            bool fixedDim = d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue;
            if (fixedDim && (d.DimValue < 1 || d.DimValue > int.MaxValue)) throw new InvalidDataException($"input '{input.Name}' has dimension {i} = {d.DimValue}.");
            if (given is { } s)
            {
                if (fixedDim && s[i - 1] != d.DimValue)
                    throw new ArgumentException($"the sample shape {s} disagrees with input '{input.Name}', whose dimension {i} is {d.DimValue}.");
                sample[i - 1] = s[i - 1];
            }
            else sample[i - 1] = fixedDim ? (int)d.DimValue
                : throw new NotSupportedException($"input '{input.Name}' has a symbolic dimension {i} ('{d.DimParam}'); give the sample shape in {nameof(OnnxImportOptions)}.{nameof(OnnxImportOptions.SampleShape)}.");
        }
        var batch = dims[0];
        _batch = batch.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue && batch.DimValue is >= 1 and <= 1 << 16 ? (int)batch.DimValue : SymbolicBatch;
        long size = sample.Aggregate(1L, (a, d) => a * d);
        if (size * _batch > int.MaxValue || size > MaxActivationPerSample)
            throw new InvalidDataException($"input '{input.Name}' has samples of ({string.Join(", ", sample)}), more than {MaxActivationPerSample} values.");
        _sampleShape = new Shape(sample);
        _values[input.Name] = ImportedValue.Computed(new NodeRef(Graphs.Graph.GraphInput), new Shape([_batch, .. sample]));
    }

    /// <summary>The nodes that some graph output depends on.</summary>
    private bool[] Needed(OnnxNode[] nodes)
    {
        var producer = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < nodes.Length; i++)
            foreach (string output in nodes[i].Proto.Output)
                if (output.Length > 0) producer[output] = i;
        var needed = new bool[nodes.Length];
        var pending = new Stack<string>(Graph.Output.Select(o => o.Name));
        while (pending.Count > 0)
            if (producer.TryGetValue(pending.Pop(), out int i) && !needed[i])
            {
                needed[i] = true;
                foreach (string input in References(nodes[i].Proto)) pending.Push(input);
            }
        return needed;
    }

    /// <summary>The values a node reads: its inputs and, for If, those its branches read from the enclosing graph.</summary>
    private static IEnumerable<string> References(NodeProto node)
    {
        foreach (string input in node.Input) yield return input;
        foreach (var attribute in node.Attribute)
            foreach (var graph in attribute.Graphs.Prepend(attribute.G).Where(g => g is not null))
                foreach (var inner in graph!.Node)
                    foreach (string input in References(inner)) yield return input;
    }

    private void ImportNode(OnnxNode[] nodes, OnnxNode node)
    {
        if (node.Proto.Domain is not ("" or "ai.onnx"))
            throw node.Unsupported($"its domain '{node.Proto.Domain}' is not the default ONNX domain. {Supported}");
        var inputs = node.Proto.Input.Select(name => name.Length == 0 ? null : Lookup(node, name)).ToArray();
        if (node.OpType != "MaxUnpool" && inputs.Any(i => i is { IsIndices: true }))
            throw node.Unsupported("reads the indices of a max pooling; only MaxUnpool does here.");
        if (node.OpType is not ("Transpose" or "Gemm" or "Shape" or "Size" or "Identity") && inputs.Any(i => i is { IsTransposed: true }))
            throw node.Unsupported("reads a transposed matrix, whose batch is its second axis; only Gemm (transA = 1), Transpose, Identity and Shape read one here.");
        ImportedValue?[] outputs;
        try
        {
            outputs = inputs.All(i => i is null || i.IsConstant) && ConstantFolder.Operators.Contains(node.OpType)
                ? _folder.Fold(node, inputs.Select(i => i?.Constant).ToArray()).Select(c => ImportedValue.Known(c)).ToArray()
                : Map(node, inputs, nodes);
        }
        catch (ArgumentException e)
        {
            throw node.Invalid(e.Message);
        }
        catch (OverflowException)
        {
            throw node.Invalid("a value is out of range.");
        }
        for (int i = 0; i < node.Proto.Output.Count; i++)
        {
            string name = node.Proto.Output[i];
            if (name.Length == 0) continue;
            if (i < outputs.Length && outputs[i] is { } value) _values[name] = value;
            else _notImported[name] = $"output {i} of {node.Describe}";
        }
    }

    private ImportedValue Lookup(OnnxNode node, string name)
    {
        if (_values.TryGetValue(name, out var value)) return value;
        if (_notImported.TryGetValue(name, out var what))
            throw node.Unsupported($"uses '{name}', {what}, which import does not produce (optional outputs such as indices, masks and batch statistics are not imported).");
        throw new InvalidDataException($"{node.Describe}: uses '{name}', which no earlier node, initializer or input defines (nodes must be sorted topologically).");
    }

    private NodeRef OutputOf(string name)
    {
        if (!_values.TryGetValue(name, out var value))
            throw new InvalidDataException(_notImported.TryGetValue(name, out var what)
                ? $"graph output '{name}' is {what}, which import does not produce."
                : $"graph output '{name}' is defined by no node.");
        if (value.IsConstant) throw new NotSupportedException($"graph output '{name}' is a constant; networks compute their outputs from the input.");
        if (value.IsIndices) throw new NotSupportedException($"graph output '{name}' is the indices of a max pooling; networks output float tensors.");
        if (value.IsTransposed) throw new NotSupportedException($"graph output '{name}' is a transposed matrix whose batch is its second axis; networks output the batch first.");
        if (value.Node.Index == Graphs.Graph.GraphInput) throw new NotSupportedException($"graph output '{name}' is the graph input itself.");
        return value.Node;
    }

    /// <summary>The network on the target backend with the file's weights in every parameter.</summary>
    private Network Assemble(Graph root)
    {
        var network = new Network(root, _sampleShape, _backend);
        try
        {
            foreach (var p in network.Parameters)
            {
                if (!_weights.TryGetValue(p.Name, out var values))
                    throw new InvalidOperationException($"ONNX import made parameter '{p.Name}' without a value.");
                p.Value.CopyFrom(values);
            }
        }
        catch
        {
            network.Dispose();
            throw;
        }
        return network;
    }

    /// <summary>
    /// Adds a layer after <paramref name="input"/>, named <paramref name="name"/> (made unique), builds it for the input's
    /// shape and records the values of its parameters by local name.
    /// </summary>
    private ImportedValue AddLayer(OnnxNode node, ILayer layer, ImportedValue input, string name, params (string Local, OnnxConstant? Values)[] weights)
    {
        layer.Name = UniqueName(name);
        var shape = layer.Build(_backend, input.Shape);
        foreach (var (local, values) in weights)
            if (values is not null) _weights[$"{layer.Name}.{local}"] = values.AsFloats();
        var at = _graph.Add(layer, input.Node);
        _layerAt[at.Index] = layer;
        return Computed(node, at, shape);
    }

    private ImportedValue AddMerge(OnnxNode node, IMergeLayer merge, IReadOnlyList<ImportedValue> inputs)
    {
        merge.Name = UniqueName(node.Name);
        var shape = merge.Build(_backend, inputs.Select(i => i.Shape).ToArray());
        return Computed(node, _graph.Merge(merge, inputs.Select(i => i.Node).ToArray()), shape);
    }

    /// <summary>A computed tensor, within the activation budget.</summary>
    private ImportedValue Computed(OnnxNode node, NodeRef at, Shape shape)
    {
        long sample = shape.SampleSize;
        _activations += sample;
        if (sample > MaxActivationPerSample || _activations > MaxActivationsPerSample)
            throw node.Invalid($"its output {shape} makes the network's activations larger than this importer allows ({MaxActivationPerSample} values per tensor, {MaxActivationsPerSample} in all, per sample).");
        return ImportedValue.Computed(at, shape);
    }

    private string UniqueName(string name)
    {
        string candidate = name;
        for (int i = 1; !_layerNames.Add(candidate); i++) candidate = $"{name}_{i}";
        return candidate;
    }

    /// <summary>
    /// The common prefix P of the initializers feeding a layer when each is named P.local (<c>conv1.weight</c>,
    /// <c>conv1.bias</c>), so the layer's parameters keep those names; else the node's name.
    /// </summary>
    private string LayerName(OnnxNode node, params (int Input, string Local)[] slots)
    {
        string? prefix = null;
        foreach (var (input, local) in slots)
        {
            string? name = node.InputName(input);
            if (name is null) continue;
            if (!_values.TryGetValue(name, out var value) || value.Initializer is null || !name.EndsWith("." + local, StringComparison.Ordinal)) return node.Name;
            string p = name[..^(local.Length + 1)];
            if (prefix is not null && prefix != p) return node.Name;
            prefix = p;
        }
        return string.IsNullOrEmpty(prefix) || _layerNames.Contains(prefix) ? node.Name : prefix;
    }

    private static ImportedValue Computed(OnnxNode node, ImportedValue?[] inputs, int i)
    {
        var value = i < inputs.Length ? inputs[i] : null;
        if (value is null) throw node.Invalid($"input {i} is missing.");
        if (value.IsConstant) throw node.Unsupported($"input {i} is a constant; this operator is imported as a layer applied to a computed tensor.");
        return value;
    }

    private static OnnxConstant Constant(OnnxNode node, ImportedValue?[] inputs, int i) =>
        OptionalConstant(node, inputs, i) ?? throw node.Invalid($"input {i} is missing.");

    private static OnnxConstant? OptionalConstant(OnnxNode node, ImportedValue?[] inputs, int i)
    {
        var value = i < inputs.Length ? inputs[i] : null;
        if (value is null) return null;
        return value.Constant ?? throw node.Unsupported($"input {i} is computed from the network's input; import needs it constant (an initializer or shape arithmetic).");
    }

    private const string Supported = "Supported operators: Conv, ConvTranspose, BatchNormalization, Relu, LeakyRelu, Tanh, Sigmoid, Clip, Softmax, " +
        "MaxPool, AveragePool, LpPool, GlobalAveragePool, GlobalMaxPool, LRN, Dropout, Gemm, MatMul, Flatten, Reshape, Squeeze, Unsqueeze, Add, Sum, Concat, " +
        "Identity, Pad (constant, reflect, edge), Slice (channels, spatial), Split, Transpose, Gather (constant indices), Expand, MaxUnpool, Resize, Upsample, " +
        "Sub/Mul/Div (broadcasting), Pow/Sqrt/Reciprocal/Neg, If on a known condition, and shape arithmetic on constants (Constant, Shape, Gather, Slice, " +
        "Split, Concat, ConstantOfShape, Cast, Equal, Where, Range, Transpose, Expand, arithmetic).";
}
