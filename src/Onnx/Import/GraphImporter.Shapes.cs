using MlNetConv.Layers;
using MlNetConv.Tensors;

namespace MlNetConv.Onnx.Import;

/// <summary>Operators that rearrange a computed tensor: reshapes (views that keep the batch), concatenation, padding.</summary>
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
    /// Pad in constant mode on the spatial axes: pads as an attribute (paddings in opset 1, pads in 2..10) or an input (11+,
    /// with constant_value and, from 18, axes), [x1_begin, x2_begin, …, x1_end, x2_end] over all axes; negative pads crop.
    /// </summary>
    private ImportedValue Pad(OnnxNode node, ImportedValue?[] inputs)
    {
        var x = Computed(node, inputs, 0);
        int rank = x.Shape.Rank;
        string mode = node.String("mode", "constant");
        if (mode != "constant") throw node.Unsupported($"mode '{mode}'; supported: constant.");
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
        return AddLayer(node, new ConstantPad(begin, end, value), x, node.Name);
    }

    /// <summary>Slice of a computed tensor along spatial axes with step 1 (FCN's crop): a <see cref="ConstantPad"/> that crops.</summary>
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
            if (a < 2) throw node.Unsupported($"slicing axis {a}; supported: spatial axes.");
            (begin[a], end[a]) = ((int)-first[a], (int)(first[a] + dims[a] - x.Shape[a]));
        }
        if (begin.All(b => b == 0) && end.All(e => e == 0)) return x;
        return AddLayer(node, new ConstantPad(begin[2..], end[2..]), x, node.Name);
    }
}
