using Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace MlNetConv.Onnx.Import;

/// <summary>
/// Evaluates a node whose inputs are all known at import: the shape arithmetic exporters emit (Shape, Gather, Unsqueeze,
/// Concat, Reshape, ConstantOfShape, Cast, Equal, Slice, Where, Range, …) and arithmetic on constants (a weight scaled or
/// transposed). Every result is bounded by <paramref name="maxElements"/> before it is allocated.
/// </summary>
internal sealed class ConstantFolder(TensorReader tensors, long maxElements)
{
    /// <summary>The operators this class evaluates.</summary>
    public static readonly IReadOnlySet<string> Operators = new HashSet<string>
    {
        "Constant", "Identity", "Cast", "Shape", "Size", "Gather", "Unsqueeze", "Squeeze", "Concat", "Reshape", "Flatten",
        "ConstantOfShape", "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "Not", "And", "Or", "Where", "Slice",
        "Add", "Sub", "Mul", "Div", "Neg", "Abs", "Sqrt", "Reciprocal", "Pow", "Floor", "Ceil", "Min", "Max", "Range",
        "Transpose", "Expand", "Dropout", "Split",
    };

    /// <summary>The node's outputs from its constant inputs (null where an optional input is omitted).</summary>
    public OnnxConstant[] Fold(OnnxNode node, IReadOnlyList<OnnxConstant?> inputs)
    {
        OnnxConstant In(int i) => i < inputs.Count && inputs[i] is { } c ? c : throw node.Invalid($"input {i} is missing.");
        OnnxConstant? Optional(int i) => i < inputs.Count ? inputs[i] : null;
        switch (node.OpType)
        {
            case "Constant": return [ConstantValue(node)];
            case "Identity": return [In(0)];
            case "Dropout": return [In(0)];
            case "Cast": return [Cast(In(0), (int)node.Int("to", -1), node)];
            case "Shape":
                {
                    var dims = In(0).Dims;
                    long start = node.Int("start", 0), end = node.Int("end", dims.Length);
                    var (s, e) = (Clamp(start, dims.Length), Clamp(end, dims.Length));
                    return [OnnxConstant.Integer([Math.Max(0, e - s)], dims.Skip((int)s).Take((int)Math.Max(0, e - s)).ToArray())];
                }
            case "Size": return [OnnxConstant.Integer([], [In(0).Count])];
            case "Gather": return [Gather(node, In(0), In(1))];
            case "Unsqueeze":
                {
                    var axes = node.Opset >= 13 ? In(1).AsIntegers() : node.Ints("axes") ?? throw node.Invalid("attribute 'axes' is missing.");
                    return [WithDims(In(0), ShapeRules.Unsqueeze(node, In(0).Dims, axes))];
                }
            case "Squeeze":
                {
                    var axes = node.Opset >= 13 ? Optional(1)?.AsIntegers() : node.Ints("axes");
                    return [WithDims(In(0), ShapeRules.Squeeze(node, In(0).Dims, axes))];
                }
            case "Reshape":
                {
                    var target = node.Opset >= 5 ? In(1).AsIntegers() : node.Ints("shape") ?? throw node.Invalid("attribute 'shape' is missing.");
                    return [WithDims(In(0), ShapeRules.Reshape(node, In(0).Dims, target, node.Int("allowzero", 0) != 0))];
                }
            case "Flatten": return [WithDims(In(0), ShapeRules.Flatten(node, In(0).Dims, node.Int("axis", 1)))];
            case "Concat": return [Concat(node, inputs.Where(i => i is not null).Select(i => i!).ToArray(), node.Int("axis", node.Opset >= 4 ? long.MinValue : 1))];
            case "ConstantOfShape":
                {
                    var dims = In(0).AsIntegers();
                    Check(node, dims);
                    var value = node.Attribute("value") is { T: { } t } ? tensors.Read(t, $"{node.Describe}: attribute 'value'") : OnnxConstant.Real([1], [0.0]);
                    if (value.Count != 1) throw node.Invalid("attribute 'value' must hold one value.");
                    int count = Count(dims);
                    return [value.IsReal
                        ? OnnxConstant.Real(dims, Enumerable.Repeat(value.Reals![0], count).ToArray(), value.DataType)
                        : new OnnxConstant(dims, value.DataType, null, Enumerable.Repeat(value.Integers![0], count).ToArray())];
                }
            case "Equal": return [Compare(node, In(0), In(1), (a, b) => a == b, (a, b) => a == b)];
            case "Less": return [Compare(node, In(0), In(1), (a, b) => a < b, (a, b) => a < b)];
            case "Greater": return [Compare(node, In(0), In(1), (a, b) => a > b, (a, b) => a > b)];
            case "LessOrEqual": return [Compare(node, In(0), In(1), (a, b) => a <= b, (a, b) => a <= b)];
            case "GreaterOrEqual": return [Compare(node, In(0), In(1), (a, b) => a >= b, (a, b) => a >= b)];
            case "And": return [Compare(node, In(0), In(1), (a, b) => a != 0 && b != 0, (a, b) => a != 0 && b != 0)];
            case "Or": return [Compare(node, In(0), In(1), (a, b) => a != 0 || b != 0, (a, b) => a != 0 || b != 0)];
            case "Not": return [OnnxConstant.Bool(In(0).Dims, In(0).AsIntegers().Select(v => v == 0 ? 1L : 0L).ToArray())];
            case "Where": return [Where(node, In(0), In(1), In(2))];
            case "Slice": return [Slice(node, inputs)];
            case "Add": return [Binary(node, In(0), In(1), (a, b) => a + b, (a, b) => a + b)];
            case "Sub": return [Binary(node, In(0), In(1), (a, b) => a - b, (a, b) => a - b)];
            case "Mul": return [Binary(node, In(0), In(1), (a, b) => a * b, (a, b) => a * b)];
            case "Div": return [Binary(node, In(0), In(1), (a, b) => a / b, (a, b) => b == 0 ? throw node.Invalid("integer division by zero.") : a / b)];
            case "Pow": return [Binary(node, In(0), In(1), Math.Pow, (a, b) => (long)Math.Pow(a, b))];
            case "Min": return [inputs.Select(i => i!).Aggregate((a, b) => Binary(node, a, b, Math.Min, Math.Min))];
            case "Max": return [inputs.Select(i => i!).Aggregate((a, b) => Binary(node, a, b, Math.Max, Math.Max))];
            case "Neg": return [Unary(In(0), v => -v, v => -v)];
            case "Abs": return [Unary(In(0), Math.Abs, Math.Abs)];
            case "Sqrt": return [Unary(In(0), Math.Sqrt, null)];
            case "Reciprocal": return [Unary(In(0), v => 1 / v, null)];
            case "Floor": return [Unary(In(0), Math.Floor, v => v)];
            case "Ceil": return [Unary(In(0), Math.Ceiling, v => v)];
            case "Range": return [Range(node, In(0), In(1), In(2))];
            case "Transpose": return [Transpose(node, In(0))];
            case "Split": return Split(node, In(0), i => Optional(i));
            case "Expand":
                {
                    var shape = In(1).AsIntegers();
                    var dims = Broadcast.Shape(In(0).Dims, shape) ?? throw node.Invalid($"cannot expand [{string.Join(", ", In(0).Dims)}] to [{string.Join(", ", shape)}].");
                    return [Gathered(In(0), dims, Broadcast.SourceIndices(In(0).Dims, Checked(node, dims)))];
                }
            default: throw node.Unsupported("cannot be evaluated at import.");
        }
    }

    private static long Clamp(long axis, int rank) => Math.Clamp(axis < 0 ? axis + rank : axis, 0, rank);

    private OnnxConstant ConstantValue(OnnxNode node)
    {
        foreach (var a in node.Proto.Attribute)
        {
            switch (a.Name)
            {
                case "value": return tensors.Read(a.T ?? throw node.Invalid("attribute 'value' holds no tensor."), $"{node.Describe}: attribute 'value'");
                case "value_float": return OnnxConstant.Real([], [a.F]);
                case "value_floats": return OnnxConstant.Real([a.Floats.Count], a.Floats.Select(v => (double)v).ToArray());
                case "value_int": return OnnxConstant.Integer([], [a.I]);
                case "value_ints": return OnnxConstant.Integer([a.Ints.Count], a.Ints.ToArray());
            }
        }
        throw node.Unsupported("needs one of the attributes value, value_float(s) or value_int(s) (sparse and string constants are not supported).");
    }

    private long[] Checked(OnnxNode node, long[] dims)
    {
        Check(node, dims);
        return dims;
    }

    private void Check(OnnxNode node, long[] dims)
    {
        long count = TensorReader.ElementCount(dims, $"ONNX {node.Describe}: result");
        if (count > maxElements) throw node.Invalid($"computes a constant of shape [{string.Join(", ", dims)}], more than the {maxElements} values allowed.");
    }

    private static int Count(long[] dims) => (int)dims.Aggregate(1L, (a, d) => a * d);

    private static OnnxConstant WithDims(OnnxConstant c, long[] dims) => new(dims, c.DataType, c.Reals, c.Integers);

    /// <summary>The elements of <paramref name="c"/> at <paramref name="indices"/>, as a tensor of <paramref name="dims"/>.</summary>
    private static OnnxConstant Gathered(OnnxConstant c, long[] dims, int[] indices) => c.IsReal
        ? new(dims, c.DataType, indices.Select(i => c.Reals![i]).ToArray(), null)
        : new(dims, c.DataType, null, indices.Select(i => c.Integers![i]).ToArray());

    private static OnnxConstant Cast(OnnxConstant c, int to, OnnxNode node)
    {
        if (!Enum.IsDefined(typeof(DataType), to) || to is (int)DataType.String or (int)DataType.Undefined) throw node.Unsupported($"cast to type {to}.");
        if (OnnxConstant.IsFloating(to))
        {
            var reals = c.AsReals();
            if (to != (int)DataType.Double) reals = reals.Select(v => (double)(float)v).ToArray();
            return OnnxConstant.Real(c.Dims, reals, to);
        }
        long[] integers = c.IsReal
            ? c.Reals!.Select(v => to == (int)DataType.Bool ? (v != 0 ? 1L : 0L) : double.IsFinite(v) && Math.Abs(v) < 9.2e18 ? (long)v : throw node.Invalid($"cannot cast {v} to an integer.")).ToArray()
            : c.Integers!.Select(v => to == (int)DataType.Bool ? (v != 0 ? 1L : 0L) : v).ToArray();
        return new OnnxConstant(c.Dims, to, null, integers);
    }

    private OnnxConstant Gather(OnnxNode node, OnnxConstant data, OnnxConstant indices)
    {
        if (data.Rank == 0) throw node.Invalid("cannot gather from a scalar.");
        int axis = ShapeRules.Axis(node, node.Int("axis", 0), data.Rank);
        long extent = data.Dims[axis];
        long[] dims = [.. data.Dims.Take(axis), .. indices.Dims, .. data.Dims.Skip(axis + 1)];
        Check(node, dims);
        long inner = data.Dims.Skip(axis + 1).Aggregate(1L, (a, d) => a * d), outer = data.Dims.Take(axis).Aggregate(1L, (a, d) => a * d);
        var picks = indices.AsIntegers().Select(i => i < -extent || i >= extent ? throw node.Invalid($"index {i} is out of range for extent {extent}.") : i < 0 ? i + extent : i).ToArray();
        var source = new int[Count(dims)];
        int k = 0;
        for (long o = 0; o < outer; o++)
            foreach (long p in picks)
                for (long j = 0; j < inner; j++) source[k++] = (int)((o * extent + p) * inner + j);
        return Gathered(data, dims, source);
    }

    private OnnxConstant Concat(OnnxNode node, OnnxConstant[] parts, long axisAttribute)
    {
        if (parts.Length == 0) throw node.Invalid("has no inputs.");
        if (axisAttribute == long.MinValue) throw node.Invalid("attribute 'axis' is missing.");
        int rank = parts[0].Rank;
        if (rank == 0) throw node.Invalid("cannot concatenate scalars.");
        int axis = ShapeRules.Axis(node, axisAttribute, rank);
        foreach (var p in parts)
            if (p.Rank != rank || p.Dims.Where((d, i) => i != axis && d != parts[0].Dims[i]).Any())
                throw node.Invalid($"inputs [{string.Join("], [", parts.Select(q => string.Join(", ", q.Dims)))}] differ outside axis {axis}.");
        long[] dims = (long[])parts[0].Dims.Clone();
        dims[axis] = parts.Sum(p => p.Dims[axis]);
        Check(node, dims);
        long outer = dims.Take(axis).Aggregate(1L, (a, d) => a * d);
        bool real = parts.Any(p => p.IsReal);
        var reals = real ? new List<double>() : null;
        var integers = real ? null : new List<long>();
        for (long o = 0; o < outer; o++)
            foreach (var p in parts)
            {
                long block = p.Dims.Skip(axis).Aggregate(1L, (a, d) => a * d);
                for (long j = 0; j < block; j++)
                {
                    int at = (int)(o * block + j);
                    if (real) reals!.Add(p.RealAt(at));
                    else integers!.Add(p.Integers![at]);
                }
            }
        return real ? OnnxConstant.Real(dims, [.. reals!], parts.First(p => p.IsReal).DataType) : new OnnxConstant(dims, parts[0].DataType, null, [.. integers!]);
    }

    private OnnxConstant Binary(OnnxNode node, OnnxConstant a, OnnxConstant b, Func<double, double, double> real, Func<long, long, long> integer)
    {
        var dims = Broadcast.Shape(a.Dims, b.Dims) ?? throw node.Invalid($"cannot broadcast [{string.Join(", ", a.Dims)}] with [{string.Join(", ", b.Dims)}].");
        Check(node, dims);
        var ia = Broadcast.SourceIndices(a.Dims, dims);
        var ib = Broadcast.SourceIndices(b.Dims, dims);
        if (a.IsReal || b.IsReal)
        {
            int type = a.IsReal ? a.DataType : b.DataType;
            var values = new double[ia.Length];
            for (int i = 0; i < values.Length; i++) values[i] = Round(real(a.RealAt(ia[i]), b.RealAt(ib[i])), type);
            return OnnxConstant.Real(dims, values, type);
        }
        var result = new long[ia.Length];
        for (int i = 0; i < result.Length; i++) result[i] = integer(a.Integers![ia[i]], b.Integers![ib[i]]);
        return new OnnxConstant(dims, a.DataType, null, result);
    }

    /// <summary>float32 arithmetic rounds every result to float32.</summary>
    private static double Round(double value, int type) => type == (int)DataType.Double ? value : (float)value;

    private OnnxConstant Compare(OnnxNode node, OnnxConstant a, OnnxConstant b, Func<double, double, bool> real, Func<long, long, bool> integer)
    {
        var dims = Broadcast.Shape(a.Dims, b.Dims) ?? throw node.Invalid($"cannot broadcast [{string.Join(", ", a.Dims)}] with [{string.Join(", ", b.Dims)}].");
        Check(node, dims);
        var ia = Broadcast.SourceIndices(a.Dims, dims);
        var ib = Broadcast.SourceIndices(b.Dims, dims);
        bool reals = a.IsReal || b.IsReal;
        var result = new long[ia.Length];
        for (int i = 0; i < result.Length; i++)
            result[i] = (reals ? real(a.RealAt(ia[i]), b.RealAt(ib[i])) : integer(a.Integers![ia[i]], b.Integers![ib[i]])) ? 1 : 0;
        return OnnxConstant.Bool(dims, result);
    }

    private static OnnxConstant Unary(OnnxConstant c, Func<double, double> real, Func<long, long>? integer) => c.IsReal || integer is null
        ? OnnxConstant.Real(c.Dims, c.AsReals().Select(v => Round(real(v), c.IsReal ? c.DataType : (int)DataType.Float)).ToArray(), c.IsReal ? c.DataType : (int)DataType.Float)
        : new OnnxConstant(c.Dims, c.DataType, null, c.Integers!.Select(integer).ToArray());

    private OnnxConstant Where(OnnxNode node, OnnxConstant condition, OnnxConstant x, OnnxConstant y)
    {
        var dims = Broadcast.Shape(condition.Dims, x.Dims, y.Dims) ?? throw node.Invalid("condition and values do not broadcast.");
        Check(node, dims);
        var ic = Broadcast.SourceIndices(condition.Dims, dims);
        var ix = Broadcast.SourceIndices(x.Dims, dims);
        var iy = Broadcast.SourceIndices(y.Dims, dims);
        var pick = condition.AsIntegers();
        if (x.IsReal || y.IsReal)
            return OnnxConstant.Real(dims, ic.Select((c, i) => pick[c] != 0 ? x.RealAt(ix[i]) : y.RealAt(iy[i])).ToArray(), x.IsReal ? x.DataType : y.DataType);
        return new OnnxConstant(dims, x.DataType, null, ic.Select((c, i) => pick[c] != 0 ? x.Integers![ix[i]] : y.Integers![iy[i]]).ToArray());
    }

    private OnnxConstant Slice(OnnxNode node, IReadOnlyList<OnnxConstant?> inputs)
    {
        var data = inputs[0] ?? throw node.Invalid("input 0 is missing.");
        int rank = data.Rank;
        var (first, step, dims) = ShapeRules.Slice(node, data.Dims, i => i < inputs.Count ? inputs[i] : null);
        Check(node, dims);
        var strides = new long[rank];
        for (int i = rank - 1, stride = 1; i >= 0; stride *= (int)data.Dims[i], i--) strides[i] = stride;
        var source = new int[Count(dims)];
        var position = new long[rank];
        for (int k = 0; k < source.Length; k++)
        {
            long at = 0;
            for (int i = 0; i < rank; i++) at += (first[i] + position[i] * step[i]) * strides[i];
            source[k] = (int)at;
            for (int i = rank - 1; i >= 0 && ++position[i] == dims[i]; i--) position[i] = 0;
        }
        return Gathered(data, dims, source);
    }

    /// <summary>Split along an axis: each output the elements of its part, in order.</summary>
    private OnnxConstant[] Split(OnnxNode node, OnnxConstant data, Func<int, OnnxConstant?> input)
    {
        if (data.Rank == 0) throw node.Invalid("cannot split a scalar.");
        int axis = ShapeRules.Axis(node, node.Int("axis", 0), data.Rank);
        var sizes = ShapeRules.Split(node, data.Dims[axis], node.Proto.Output.Count, input);
        long inner = data.Dims.Skip(axis + 1).Aggregate(1L, (a, d) => a * d), outer = data.Dims.Take(axis).Aggregate(1L, (a, d) => a * d);
        var parts = new OnnxConstant[sizes.Length];
        long start = 0;
        for (int k = 0; k < sizes.Length; k++)
        {
            long[] dims = [.. data.Dims];
            dims[axis] = sizes[k];
            var source = new int[Count(dims)];
            int at = 0;
            for (long o = 0; o < outer; o++)
                for (long j = 0; j < sizes[k] * inner; j++) source[at++] = (int)((o * data.Dims[axis] + start) * inner + j);
            parts[k] = Gathered(data, dims, source);
            start += sizes[k];
        }
        return parts;
    }

    private OnnxConstant Range(OnnxNode node, OnnxConstant start, OnnxConstant limit, OnnxConstant delta)
    {
        double s = start.RealAt(0), l = limit.RealAt(0), d = delta.RealAt(0);
        if (d == 0 || !double.IsFinite(s + l + d)) throw node.Invalid("needs a finite start and limit and a non-zero delta.");
        long count = (long)Math.Max(0, Math.Ceiling((l - s) / d));
        Check(node, [count]);
        return start.IsReal
            ? OnnxConstant.Real([count], Enumerable.Range(0, (int)count).Select(i => s + i * d).ToArray(), start.DataType)
            : new OnnxConstant([count], start.DataType, null, Enumerable.Range(0, (int)count).Select(i => start.Integers![0] + i * delta.IntegerAt(0)).ToArray());
    }

    private OnnxConstant Transpose(OnnxNode node, OnnxConstant c)
    {
        int rank = c.Rank;
        var perm = ShapeRules.Permutation(node, rank);
        var dims = perm.Select(p => c.Dims[p]).ToArray();
        var strides = new long[rank];
        for (int i = rank - 1, stride = 1; i >= 0; stride *= (int)c.Dims[i], i--) strides[i] = stride;
        var source = new int[c.Count];
        var position = new long[rank];
        for (int k = 0; k < source.Length; k++)
        {
            long at = 0;
            for (int i = 0; i < rank; i++) at += position[i] * strides[perm[i]];
            source[k] = (int)at;
            for (int i = rank - 1; i >= 0 && ++position[i] == dims[i]; i--) position[i] = 0;
        }
        return Gathered(c, dims, source);
    }
}
