using MlNetConv.Layers;

namespace MlNetConv.Onnx.Import;

/// <summary>The operator table: which handler turns a node with a computed input into layers.</summary>
internal sealed partial class GraphImporter
{
    /// <summary>The node's outputs as layers; null for an output no node reads, which gets none.</summary>
    private ImportedValue?[] Map(OnnxNode node, ImportedValue?[] inputs, OnnxNode[] nodes) => node.OpType switch
    {
        "Conv" => [Conv(node, inputs)],
        "ConvTranspose" => [ConvTranspose(node, inputs)],
        "BatchNormalization" => [BatchNormalization(node, inputs)],
        "Relu" => [AddLayer(node, new ReLU(), Computed(node, inputs, 0), node.Name)],
        "LeakyRelu" => [AddLayer(node, new LeakyReLU(node.Float("alpha", 0.01f)), Computed(node, inputs, 0), node.Name)],
        "Tanh" => [AddLayer(node, new Tanh(), Computed(node, inputs, 0), node.Name)],
        "Sigmoid" => [AddLayer(node, new Sigmoid(), Computed(node, inputs, 0), node.Name)],
        "Clip" => [Clip(node, inputs)],
        "Softmax" => [Softmax(node, inputs)],
        "MaxPool" => MaxPool(node, inputs),
        "MaxUnpool" => [MaxUnpool(node, inputs)],
        "AveragePool" => [Pool(node, inputs, max: false)],
        "LpPool" => [LpPool(node, inputs)],
        "GlobalAveragePool" => [GlobalPool(node, inputs, max: false)],
        "GlobalMaxPool" => [GlobalPool(node, inputs, max: true)],
        "LRN" => [Lrn(node, inputs)],
        "Dropout" => [Dropout(node, inputs)],
        "Gemm" => [Gemm(node, inputs)],
        "MatMul" => [MatMul(node, inputs, nodes)],
        "Flatten" => [Flatten(node, inputs)],
        "Reshape" => [Reshape(node, inputs)],
        "Squeeze" => [Squeeze(node, inputs)],
        "Unsqueeze" => [Unsqueeze(node, inputs)],
        "Add" or "Sub" or "Mul" or "Div" => [Arithmetic(node, inputs)],
        "Sum" => [Sum(node, inputs)],
        "Pow" or "Sqrt" or "Reciprocal" => [Power(node, inputs)],
        "Neg" => [Negate(node, Computed(node, inputs, 0), node.Name)],
        "If" => InlineBranch(node, inputs),
        "Concat" => [Concat(node, inputs)],
        "Identity" => [Computed(node, inputs, 0)],
        "Cast" => [Cast(node, inputs)],
        "Shape" => [ShapeOf(node, inputs)],
        "Size" => [ImportedValue.Known(OnnxConstant.Integer([], [Computed(node, inputs, 0).Shape.Size]))],
        "Pad" => [Pad(node, inputs)],
        "Slice" => [Slice(node, inputs)],
        "Split" => Split(node, inputs),
        "Transpose" => [Transpose(node, inputs)],
        "Gather" => [Gather(node, inputs)],
        "Expand" => [Expand(node, inputs)],
        "Resize" or "Upsample" => [Resize(node, inputs)],
        _ when ConstantFolder.Operators.Contains(node.OpType) =>
            throw node.Unsupported($"is evaluated only on constants, and an input here is computed from the network's input. {Supported}"),
        _ => throw node.Unsupported($"is not supported. {Supported}"),
    };

    /// <summary>Clip to [min, max]: attributes up to opset 6, optional constant inputs from 11. [0, ∞) is a ReLU.</summary>
    private ImportedValue Clip(OnnxNode node, ImportedValue?[] inputs)
    {
        var x = Computed(node, inputs, 0);
        float min, max;
        if (node.Opset < 11)
        {
            min = node.Float("min", float.MinValue);
            max = node.Float("max", float.MaxValue);
        }
        else
        {
            min = OptionalConstant(node, inputs, 1) is { } lo ? Scalar(node, lo, "min") : float.MinValue;
            max = OptionalConstant(node, inputs, 2) is { } hi ? Scalar(node, hi, "max") : float.MaxValue;
        }
        if (float.IsNaN(min) || float.IsNaN(max) || min > max) throw node.Invalid($"needs min <= max, got {min} and {max}.");
        if (min == 0f && (max == float.MaxValue || float.IsPositiveInfinity(max))) return AddLayer(node, new ReLU(), x, node.Name);
        return AddLayer(node, new Hardtanh(Math.Max(min, float.MinValue), Math.Min(max, float.MaxValue)), x, node.Name);
    }

    private static float Scalar(OnnxNode node, OnnxConstant c, string what) =>
        c.Count == 1 ? (float)c.RealAt(0) : throw node.Invalid($"{what} must be one value, got shape [{string.Join(", ", c.Dims)}].");

    /// <summary>
    /// Softmax over the channel axis. From opset 13 the axis alone (default -1, the channel axis of (N, C)); before, the
    /// values from the axis on flattened, which is the channel axis alone when nothing follows it.
    /// </summary>
    private ImportedValue Softmax(OnnxNode node, ImportedValue?[] inputs)
    {
        var x = Computed(node, inputs, 0);
        int rank = x.Shape.Rank;
        int axis = ShapeRules.Axis(node, node.Int("axis", node.Opset >= 13 ? -1 : 1), rank);
        bool channels = axis == 1 && (node.Opset >= 13 || x.Shape.SpatialSize == 1);
        if (!channels) throw node.Unsupported($"softmax over axis {axis} of {x.Shape}; supported: the channel axis (1).");
        return AddLayer(node, new Softmax(), x, node.Name);
    }

    private ImportedValue Dropout(OnnxNode node, ImportedValue?[] inputs)
    {
        var x = Computed(node, inputs, 0);
        float ratio = node.Opset >= 12
            ? OptionalConstant(node, inputs, 1) is { } r ? Scalar(node, r, "ratio") : 0.5f
            : node.Float("ratio", 0.5f);
        if (!(ratio >= 0f && ratio < 1f)) throw node.Invalid($"ratio must be in [0, 1), got {ratio}.");
        return AddLayer(node, new Dropout(ratio), x, node.Name);
    }

    private ImportedValue Cast(OnnxNode node, ImportedValue?[] inputs)
    {
        var x = Computed(node, inputs, 0);
        long to = node.Int("to", -1);
        return to == (long)global::Onnx.TensorProto.Types.DataType.Float ? x
            : throw node.Unsupported($"casts a computed tensor to type {to}; networks compute in float (1).");
    }

    /// <summary>The shape of a computed tensor is known at import (the batch as the importer evaluates it).</summary>
    private static ImportedValue ShapeOf(OnnxNode node, ImportedValue?[] inputs)
    {
        var dims = Computed(node, inputs, 0).Dims;
        int rank = dims.Length;
        long Clamp(long a) => Math.Clamp(a < 0 ? a + rank : a, 0, rank);
        long start = Clamp(node.Int("start", 0)), end = Clamp(node.Int("end", rank));
        var slice = dims.Skip((int)start).Take((int)Math.Max(0, end - start)).ToArray();
        return ImportedValue.Known(OnnxConstant.Integer([slice.Length], slice));
    }

    /// <summary>
    /// If whose condition is known at import (exporters test shapes, which are fixed here): the chosen branch's nodes are
    /// imported in place, reading the enclosing graph's values, and its outputs become the node's.
    /// </summary>
    private ImportedValue[] InlineBranch(OnnxNode node, ImportedValue?[] inputs)
    {
        var condition = OptionalConstant(node, inputs, 0) ?? throw node.Invalid("input 0 (the condition) is missing.");
        if (condition.Count != 1) throw node.Invalid($"the condition has {condition.Count} values.");
        string which = condition.RealAt(0) != 0 ? "then_branch" : "else_branch";
        var branch = node.Attribute(which)?.G ?? throw node.Invalid($"attribute '{which}' holds no graph.");
        foreach (var tensor in branch.Initializer)
        {
            if (tensor.Name.Length == 0 || _values.ContainsKey(tensor.Name)) throw node.Invalid($"{which} redefines or leaves unnamed initializer '{tensor.Name}'.");
            _values[tensor.Name] = ImportedValue.Known(_tensors.Read(tensor, $"{node.Describe}: {which} initializer '{tensor.Name}'"), tensor.Name);
        }
        var nodes = branch.Node.Select(n => new OnnxNode(n, -1, _opset)).ToArray();
        foreach (var inner in nodes) ImportNode(nodes, inner);
        return branch.Output.Select(o => _values.TryGetValue(o.Name, out var v) ? v : throw node.Invalid($"{which} output '{o.Name}' is defined by none of its nodes.")).ToArray();
    }
}
