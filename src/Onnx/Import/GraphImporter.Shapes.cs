using MlNetConv.Layers;
using MlNetConv.Tensors;

namespace MlNetConv.Onnx.Import;

/// <summary>
/// Operators that rearrange a computed tensor: reshapes (views that keep the batch), concatenation, padding, slices,
/// splits, transposes and gathers along an axis after the batch.
/// </summary>
internal sealed partial class GraphImporter
{
    private ImportedValue Flatten(OnnxNode node, ImportedValue?[] inputs)
    {
        var x = Computed(node, inputs, 0);
        return ReshapeTo(node, x, ShapeRules.Flatten(node, x.Dims, node.Int("axis", 1)));
    }

    private ImportedValue Reshape(OnnxNode node, ImportedValue?[] inputs)
    {
        var x = Computed(node, inputs, 0);
        var target = node.Opset >= 5 ? Constant(node, inputs, 1).AsIntegers() : node.Ints("shape") ?? throw node.Invalid("attribute 'shape' is missing.");
        return ReshapeTo(node, x, ShapeRules.Reshape(node, x.Dims, target, node.Int("allowzero", 0) != 0));
    }

    private ImportedValue Squeeze(OnnxNode node, ImportedValue?[] inputs)
    {
        var x = Computed(node, inputs, 0);
        var axes = node.Opset >= 13 ? OptionalConstant(node, inputs, 1)?.AsIntegers() : node.Ints("axes");
        return ReshapeTo(node, x, ShapeRules.Squeeze(node, x.Dims, axes));
    }

    private ImportedValue Unsqueeze(OnnxNode node, ImportedValue?[] inputs)
    {
        var x = Computed(node, inputs, 0);
        var axes = node.Opset >= 13 ? Constant(node, inputs, 1).AsIntegers() : node.Ints("axes") ?? throw node.Invalid("attribute 'axes' is missing.");
        return ReshapeTo(node, x, ShapeRules.Unsqueeze(node, x.Dims, axes));
    }

    /// <summary>
    /// A computed tensor as <paramref name="dims"/>: itself when nothing changes, a <see cref="Layers.Flatten"/> to (N, features),
    /// else a <see cref="Layers.Reshape"/>. The batch axis must stay where it is.
    /// </summary>
    private ImportedValue ReshapeTo(OnnxNode node, ImportedValue x, long[] dims)
    {
        if (dims.Length is < 2 or > Shape.MaxRank || dims[0] != x.Shape[0] || dims.Skip(1).Aggregate(1L, (a, d) => a * d) != x.Shape.SampleSize)
            throw node.Unsupported($"reshapes {x.Shape} to [{string.Join(", ", dims)}]; supported: shapes of rank 2 to {Shape.MaxRank} that keep the batch axis (the first).");
        if (dims.SequenceEqual(x.Dims)) return x;
        var sample = dims.Skip(1).Select(d => (int)d).ToArray();
        ILayer layer = sample.Length == 1 ? new Layers.Flatten() : new Layers.Reshape(sample);
        return AddLayer(node, layer, x, node.Name);
    }

    /// <summary>Concat of computed tensors along the channel axis: the inception merge.</summary>
    private ImportedValue Concat(OnnxNode node, ImportedValue?[] inputs)
    {
        var values = inputs.Where(i => i is not null).Select(i => i!).ToArray();
        if (values.Any(v => v.IsConstant)) throw node.Unsupported("a concatenation of computed tensors and constants.");
        int axis = ShapeRules.Axis(node, node.Int("axis", node.Opset >= 4 ? long.MinValue : 1) is var a && a == long.MinValue
            ? throw node.Invalid("attribute 'axis' is missing.") : a, values[0].Shape.Rank);
        if (axis != 1) throw node.Unsupported($"concatenation along axis {axis}; supported: the channel axis (1).");
        return AddMerge(node, new Layers.Concat(), values);
    }

    /// <summary>
    /// Pad of the spatial axes: pads as an attribute (paddings in opset 1, pads in 2..10) or an input (11+, with
    /// constant_value and, from 18, axes), [x1_begin, x2_begin, …, x1_end, x2_end] over all axes. Mode constant (negative
    /// pads crop) as a <see cref="ConstantPad"/>; reflect and edge (pads >= 0) as a <see cref="ReflectionPad"/> or
    /// <see cref="ReplicationPad"/>.
    /// </summary>
    private ImportedValue Pad(OnnxNode node, ImportedValue?[] inputs)
    {
        var x = Computed(node, inputs, 0);
        int rank = x.Shape.Rank;
        string mode = node.String("mode", "constant");
        if (mode is not ("constant" or "reflect" or "edge")) throw node.Unsupported($"mode '{mode}'; supported: constant, reflect, edge.");
        long[] pads;
        float value;
        if (node.Opset >= 11)
        {
            pads = Constant(node, inputs, 1).AsIntegers();
            value = OptionalConstant(node, inputs, 2) is { } v ? Scalar(node, v, "constant_value") : 0f;
            if (OptionalConstant(node, inputs, 3) is { } axesConstant)
            {
                var axes = axesConstant.AsIntegers().Select(a => ShapeRules.Axis(node, a, rank)).ToArray();
                if (pads.Length != 2 * axes.Length) throw node.Invalid($"pads needs {2 * axes.Length} values for {axes.Length} axes, got {pads.Length}.");
                var full = new long[2 * rank];
                for (int i = 0; i < axes.Length; i++) (full[axes[i]], full[rank + axes[i]]) = (pads[i], pads[axes.Length + i]);
                pads = full;
            }
        }
        else
        {
            pads = node.Ints(node.Opset >= 2 ? "pads" : "paddings") ?? throw node.Invalid("attribute 'pads' is missing.");
            value = node.Float("value", 0f);
        }
        if (pads.Length != 2 * rank) throw node.Invalid($"pads needs {2 * rank} values for {x.Shape}, got {pads.Length}.");
        if (pads[0] != 0 || pads[1] != 0 || pads[rank] != 0 || pads[rank + 1] != 0)
            throw node.Unsupported($"padding of the batch or channel axis (pads [{string.Join(", ", pads)}]).");
        if (pads.All(p => p == 0)) return x;
        if (rank is < 3 or > 5 || pads.Any(p => p is > int.MaxValue or < int.MinValue)) throw node.Unsupported($"padding of {x.Shape} by [{string.Join(", ", pads)}].");
        var begin = pads[2..rank].Select(p => (int)p).ToArray();
        var end = pads[(rank + 2)..].Select(p => (int)p).ToArray();
        if (mode == "constant") return AddLayer(node, new ConstantPad(begin, end, value), x, node.Name);
        if (pads.Any(p => p < 0)) throw node.Unsupported($"negative pads [{string.Join(", ", pads)}] in mode '{mode}'; only constant mode crops.");
        return AddLayer(node, mode == "reflect" ? new ReflectionPad(begin, end) : new ReplicationPad(begin, end), x, node.Name);
    }

    /// <summary>
    /// Slice of a computed tensor with step 1: along the channel axis a <see cref="Narrow"/>, along spatial axes (FCN's crop)
    /// a <see cref="ConstantPad"/> that crops.
    /// </summary>
    private ImportedValue Slice(OnnxNode node, ImportedValue?[] inputs)
    {
        var x = Computed(node, inputs, 0);
        int rank = x.Shape.Rank;
        var (first, step, dims) = ShapeRules.Slice(node, x.Dims, i => OptionalConstant(node, inputs, i));
        var begin = new int[rank];
        var end = new int[rank];
        for (int a = 0; a < rank; a++)
        {
            if (dims[a] == x.Shape[a] && step[a] == 1) continue;
            if (step[a] != 1) throw node.Unsupported($"step {step[a]} along axis {a}; supported: 1.");
            if (dims[a] == 0) throw node.Invalid($"slices nothing of axis {a}.");
            if (a == 0) throw node.Unsupported("slicing the batch axis (0); supported: channels and spatial axes.");
            (begin[a], end[a]) = ((int)-first[a], (int)(first[a] + dims[a] - x.Shape[a]));
        }
        if (begin[1] != 0 || end[1] != 0) x = AddLayer(node, new Narrow(1, -begin[1], (int)dims[1]), x, node.Name);
        if (begin.Skip(2).All(b => b == 0) && end.Skip(2).All(e => e == 0)) return x;
        return AddLayer(node, new ConstantPad(begin[2..], end[2..]), x, node.Name);
    }

    /// <summary>
    /// Split of a computed tensor along an axis after the batch: a <see cref="Narrow"/> per output that some node reads
    /// (sizes from split, num_outputs or equal parts).
    /// </summary>
    private ImportedValue?[] Split(OnnxNode node, ImportedValue?[] inputs)
    {
        var x = Computed(node, inputs, 0);
        int axis = ShapeRules.Axis(node, node.Int("axis", 0), x.Shape.Rank);
        if (axis == 0) throw node.Unsupported("splitting the batch axis (0); supported: the axes after it.");
        var sizes = ShapeRules.Split(node, x.Shape[axis], node.Proto.Output.Count, i => OptionalConstant(node, inputs, i));
        var outputs = new ImportedValue?[sizes.Length];
        for (int k = 0, start = 0; k < sizes.Length; start += (int)sizes[k], k++)
        {
            string name = node.Proto.Output[k];
            bool read = node.Index < 0 || _consumers.ContainsKey(name) || Graph.Output.Any(o => o.Name == name);
            if (name.Length == 0 || !read) continue;
            if (sizes[k] == 0) throw node.Unsupported($"output {k} ('{name}') is empty; networks compute tensors of at least one element.");
            outputs[k] = AddLayer(node, new Narrow(axis, start, (int)sizes[k]), x, name);
        }
        return outputs;
    }

    /// <summary>
    /// Transpose of a computed tensor: a <see cref="Permute"/> where the batch stays first; the transpose of a matrix (N, K)
    /// is kept unmade for the Gemm (transA = 1) or Transpose that reads it.
    /// </summary>
    private ImportedValue Transpose(OnnxNode node, ImportedValue?[] inputs)
    {
        var x = Computed(node, inputs, 0);
        var perm = ShapeRules.Permutation(node, x.Shape.Rank);
        if (perm.Select((p, i) => p == i).All(same => same)) return x;
        if (x.TransposeOf is { } matrix) return matrix;
        if (perm[0] == 0) return AddLayer(node, new Permute(perm), x, node.Name);
        if (x.Shape.Rank == 2) return ImportedValue.Transposed(x);
        throw node.Unsupported($"perm [{string.Join(", ", perm)}] moves the batch axis of {x.Shape}; supported: permutations that keep it first, and the transpose of a matrix read by Gemm (transA = 1).");
    }

    /// <summary>
    /// Gather of a computed tensor with constant indices along an axis after the batch: a <see cref="Narrow"/> where the
    /// indices are consecutive, else an <see cref="IndexSelect"/>, reshaped to the indices' shape (a scalar index drops the axis).
    /// </summary>
    private ImportedValue Gather(OnnxNode node, ImportedValue?[] inputs)
    {
        var x = Computed(node, inputs, 0);
        var indices = OptionalConstant(node, inputs, 1) ?? throw node.Invalid("input 1 (the indices) is missing.");
        int rank = x.Shape.Rank;
        int axis = ShapeRules.Axis(node, node.Int("axis", 0), rank);
        if (axis == 0) throw node.Unsupported("gathering along the batch axis (0); supported: the axes after it.");
        long extent = x.Shape[axis];
        var picks = indices.AsIntegers()
            .Select(i => i < -extent || i >= extent ? throw node.Invalid($"index {i} is out of range for extent {extent}.") : (int)(i < 0 ? i + extent : i)).ToArray();
        if (picks.Length == 0) throw node.Unsupported("gathers no element; networks compute tensors of at least one element.");
        bool consecutive = picks.Select((p, k) => p - k).Distinct().Count() == 1;
        ILayer layer = consecutive ? new Narrow(axis, picks[0], picks.Length) : new IndexSelect(axis, picks);
        var selected = AddLayer(node, layer, x, node.Name);
        long[] dims = [.. x.Dims.Take(axis), .. indices.Dims, .. x.Dims.Skip(axis + 1)];
        return ReshapeTo(node, selected, dims);
    }

    /// <summary>
    /// Expand of a computed tensor to a constant shape (numpy broadcasting; y.expand_as(x) exports it with Shape(x)): an
    /// <see cref="Layers.Expand"/> where the result keeps the input's rank and batch, itself where nothing grows.
    /// </summary>
    private ImportedValue Expand(OnnxNode node, ImportedValue?[] inputs)
    {
        var x = Computed(node, inputs, 0);
        var shape = Constant(node, inputs, 1).AsIntegers();
        var dims = global::MlNetConv.Onnx.Import.Broadcast.Shape(x.Dims, shape);
        if (dims is null || shape.Any(d => d < 1)) throw node.Invalid($"cannot expand {x.Shape} to [{string.Join(", ", shape)}].");
        if (dims.Length != x.Shape.Rank || dims[0] != x.Shape.N)
            throw node.Unsupported($"expanding {x.Shape} to [{string.Join(", ", dims)}]; supported: shapes of its rank that keep its batch.");
        if (dims.SequenceEqual(x.Dims)) return x;
        long sample = 1;
        foreach (long d in dims.Skip(1))
            if (d > MaxActivationPerSample || (sample *= d) > MaxActivationPerSample)
                throw node.Invalid($"expands {x.Shape} to [{string.Join(", ", dims)}], more than {MaxActivationPerSample} values per sample.");
        return AddLayer(node, new Layers.Expand(dims.Skip(1).Select(d => (int)d).ToArray()), x, node.Name);
    }
}
