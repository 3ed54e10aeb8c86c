using MlNetConv.Layers;

namespace MlNetConv.Onnx.Import;

/// <summary>Element-wise arithmetic, sums and matrix products: merges, constant affine maps and dense layers.</summary>
internal sealed partial class GraphImporter
{
    /// <summary>
    /// Add, Sub, Mul, Div. Two computed tensors: Add of one shape is a residual merge. A computed tensor and a constant
    /// (broadcast per ONNX: per channel, per element of a sample, or one value; before opset 7 aligned at 'axis' where
    /// broadcast = 1): a <see cref="ConstantAffine"/> layer, x - c as x + (-c), c - x as -x + c, x / c as x · (1/c).
    /// </summary>
    private ImportedValue Arithmetic(OnnxNode node, ImportedValue?[] inputs)
    {
        var a = inputs.Length > 0 ? inputs[0] : null;
        var b = inputs.Length > 1 ? inputs[1] : null;
        if (a is null || b is null) throw node.Invalid("needs two inputs.");
        if (!a.IsConstant && !b.IsConstant) return Between(node, a, b);
        bool constantFirst = a.IsConstant;
        var x = constantFirst ? b : a;
        var c = (constantFirst ? a : b).Constant!;
        long[] dims = c.Dims;
        if (node.Opset < 7 && node.Int("broadcast", 0) != 0 && !constantFirst)
        {
            // Legacy broadcasting: B's dimensions line up with A's from 'axis' on (default: at the end).
            long axis = node.Int("axis", x.Shape.Rank - dims.Length);
            if (axis < 0 || axis + dims.Length > x.Shape.Rank) throw node.Invalid($"broadcast axis {axis} does not fit [{string.Join(", ", dims)}] into {x.Shape}.");
            dims = [.. dims, .. Enumerable.Repeat(1L, x.Shape.Rank - (int)axis - dims.Length)];
        }
        var (scale, shift, perElement) = AffineOf(node, x, c, dims, constantFirst);
        var layer = new ConstantAffine(perElement);
        return AddLayer(node, layer, x, node.Name, ("scale", scale), ("shift", shift));
    }

    /// <summary>
    /// Arithmetic of two computed tensors of one shape, or of shapes that broadcast (one rank and batch, each other
    /// dimension equal or 1: a squeeze-and-excitation gate (N, C, 1, 1) and its map): Add and Mul are merges; a - b is
    /// a + (-1 · b) and a / b is a · b^-1, the negation and the power as layers of their own before the merge.
    /// </summary>
    private ImportedValue Between(OnnxNode node, ImportedValue a, ImportedValue b)
    {
        if (a.Shape != b.Shape && !Broadcastable(a, b))
            throw node.Unsupported($"{node.OpType} of computed tensors of shapes {a.Shape} and {b.Shape}; supported: shapes that broadcast with one rank and batch, or a constant operand.");
        switch (node.OpType)
        {
            case "Add": return AddMerge(node, new Add(), [a, b]);
            case "Mul": return AddMerge(node, new Multiply(), [a, b]);
            case "Sub": return AddMerge(node, new Add(), [a, Negate(node, b, node.Name + ".negate")]);
            default: return AddMerge(node, new Multiply(), [a, AddLayer(node, new Power(-1f), b, node.Name + ".reciprocal")]);
        }
    }

    /// <summary>-x as a constant affine map with scale -1.</summary>
    private ImportedValue Negate(OnnxNode node, ImportedValue x, string name)
    {
        long[] channels = [x.Shape.C];
        var minusOne = OnnxConstant.Real(channels, Enumerable.Repeat(-1.0, x.Shape.C).ToArray());
        return AddLayer(node, new ConstantAffine(), x, name, ("scale", minusOne), ("shift", OnnxConstant.Real(channels, new double[x.Shape.C])));
    }

    /// <summary>Pow with a constant scalar exponent, Sqrt and Reciprocal of a computed tensor: a <see cref="Power"/> layer.</summary>
    private ImportedValue Power(OnnxNode node, ImportedValue?[] inputs)
    {
        var x = Computed(node, inputs, 0);
        float exponent = node.OpType switch
        {
            "Sqrt" => 0.5f,
            "Reciprocal" => -1f,
            _ => Scalar(node, Constant(node, inputs, 1), "the exponent"),
        };
        return AddLayer(node, new Power(exponent), x, node.Name);
    }

    /// <summary>The scale and shift (per channel, or per element of a sample) that compute the node on x.</summary>
    private static (OnnxConstant Scale, OnnxConstant Shift, bool PerElement) AffineOf(OnnxNode node, ImportedValue x, OnnxConstant c, long[] dims, bool constantFirst)
    {
        int rank = x.Shape.Rank;
        if (dims.Length > rank) throw node.Unsupported($"a constant of shape [{string.Join(", ", dims)}] with {x.Shape}: the result would have a higher rank.");
        long[] aligned = [.. Enumerable.Repeat(1L, rank - dims.Length), .. dims];
        for (int i = 0; i < rank; i++)
            if (aligned[i] != 1 && aligned[i] != x.Shape[i])
                throw i == 0 ? node.Unsupported($"the constant [{string.Join(", ", c.Dims)}] varies along the batch axis of {x.Shape}.")
                    : node.Invalid($"the constant [{string.Join(", ", c.Dims)}] does not broadcast with {x.Shape}.");
        if (aligned[0] != 1) throw node.Unsupported($"the constant [{string.Join(", ", c.Dims)}] varies along the batch axis of {x.Shape}.");
        bool perElement = aligned.Skip(2).Any(d => d != 1);
        long[] target = perElement ? x.Shape.Skip(1).Select(d => (long)d).ToArray() : [x.Shape.C];
        var indices = Broadcast.SourceIndices(aligned[1..(perElement ? rank : 2)], target);
        var values = indices.Select(i => c.RealAt(i)).ToArray();
        double[] ones = Enumerable.Repeat(1.0, values.Length).ToArray(), zeros = new double[values.Length];
        (double[] scale, double[] shift) = node.OpType switch
        {
            "Add" => (ones, values),
            "Sub" when constantFirst => (ones.Select(v => -v).ToArray(), values),
            "Sub" => (ones, values.Select(v => -v).ToArray()),
            "Mul" => (values, zeros),
            "Div" when constantFirst => throw node.Unsupported("a constant divided by a computed tensor."),
            _ => (values.Select(v => (double)(1f / (float)v)).ToArray(), zeros),
        };
        return (OnnxConstant.Real(target, scale), OnnxConstant.Real(target, shift), perElement);
    }

    /// <summary>Sum of computed tensors of one shape or shapes that broadcast: the residual merge (one input: itself).</summary>
    private ImportedValue Sum(OnnxNode node, ImportedValue?[] inputs)
    {
        var values = inputs.Select((_, i) => Computed(node, inputs, i)).ToArray();
        if (values.Length == 0) throw node.Invalid("has no inputs.");
        if (values.Length == 1) return values[0];
        if (values.Any(v => !Broadcastable(v, values[0])) || Geometry.Broadcasting.Result(values.Select(v => v.Shape).ToArray()) is null)
            throw node.Unsupported($"a sum of shapes {string.Join(", ", values.Select(v => v.Shape))}; supported: shapes that broadcast with one rank and batch.");
        return AddMerge(node, new Add(), values);
    }

    /// <summary>Whether two computed tensors broadcast as the merges take them: one rank and batch, each other dimension equal or 1.</summary>
    private static bool Broadcastable(ImportedValue a, ImportedValue b) =>
        a.Shape.N == b.Shape.N && Geometry.Broadcasting.Result([a.Shape, b.Shape]) is not null;

    /// <summary>
    /// Gemm as a dense layer: Y = alpha · op(A) · op(B) + beta · C with op(A) computed (N, K), B constant, C a bias of M
    /// values (or one). With transA = 1, A is the transpose (K, N) of a computed (N, K) (a Transpose before the Gemm). The
    /// weight is op(B) as (M, K) times alpha, the bias C times beta.
    /// </summary>
    private ImportedValue Gemm(OnnxNode node, ImportedValue?[] inputs)
    {
        var a = Computed(node, inputs, 0);
        var b = Constant(node, inputs, 1);
        var c = OptionalConstant(node, inputs, 2);
        bool transA = node.Int("transA", 0) != 0;
        if (transA != a.IsTransposed)
            throw node.Unsupported(transA
                ? $"transA = 1 of {a.Shape}, whose first axis is the batch: the product would have the batch second. Supported: transA = 1 of a transposed (K, N) matrix."
                : $"a product with the transposed matrix {a.Shape}, whose batch is its second axis (give transA = 1).");
        if (a.TransposeOf is { } matrix) a = matrix;
        bool transB = node.Int("transB", 0) != 0;
        float alpha = node.Float("alpha", 1f), beta = node.Float("beta", 1f);
        var weight = DenseWeight(node, a, b, transB, alpha);
        int m = (int)weight.Dims[0];
        OnnxConstant? bias = null;
        if (c is not null && beta != 0f)
        {
            if (!(c.Count == m || c.Count == 1) || c.Dims.Take(Math.Max(0, c.Rank - 1)).Any(d => d != 1))
                throw node.Unsupported($"C of shape [{string.Join(", ", c.Dims)}]; supported: a bias of {m} values or one value.");
            bias = OnnxConstant.Real([m], Enumerable.Range(0, m).Select(i => (double)(beta * (float)c.RealAt(c.Count == 1 ? 0 : i))).ToArray());
        }
        var layer = new Dense(m, bias is not null);
        return AddLayer(node, layer, a, LayerName(node, (1, "weight"), (2, "bias")), ("weight", weight), ("bias", bias));
    }

    /// <summary>The (M, K) weight of a dense layer from B (K, M), or from B (M, K) when transposed, times alpha.</summary>
    private static OnnxConstant DenseWeight(OnnxNode node, ImportedValue a, OnnxConstant b, bool transB, float alpha)
    {
        if (a.Shape.Rank != 2) throw node.Unsupported($"a product with input {a.Shape}; supported: (N, K) inputs (a Flatten before it).");
        if (b.Rank != 2) throw node.Unsupported($"a weight of shape [{string.Join(", ", b.Dims)}]; supported: a matrix.");
        long k = transB ? b.Dims[1] : b.Dims[0], m = transB ? b.Dims[0] : b.Dims[1];
        if (k != a.Shape[1]) throw node.Invalid($"input {a.Shape} has {a.Shape[1]} features; the weight [{string.Join(", ", b.Dims)}] takes {k}.");
        if (m < 1) throw node.Invalid("the weight has no output features.");
        var values = new double[m * k];
        for (long o = 0; o < m; o++)
            for (long i = 0; i < k; i++)
            {
                double v = b.RealAt((int)(transB ? o * k + i : i * m + o));
                values[o * k + i] = alpha == 1f ? v : alpha * (float)v;
            }
        return OnnxConstant.Real([m, k], values);
    }

    /// <summary>
    /// MatMul of a computed (N, K) and a constant (K, M) as a dense layer; where the product's one consumer adds a constant
    /// bias of M values, that Add becomes the layer's (trainable) bias.
    /// </summary>
    private ImportedValue MatMul(OnnxNode node, ImportedValue?[] inputs, OnnxNode[] nodes)
    {
        var a = Computed(node, inputs, 0);
        var b = Constant(node, inputs, 1);
        var weight = DenseWeight(node, a, b, transB: false, alpha: 1f);
        int m = (int)weight.Dims[0];
        OnnxConstant? bias = null;
        int fused = -1;
        string output = node.Proto.Output.FirstOrDefault() ?? "";
        if (node.Index >= 0 && _consumers.TryGetValue(output, out var users) && users.Count == 1 && Graph.Output.All(o => o.Name != output)
            && nodes[users[0]] is { OpType: "Add" } add && add.Proto.Input.Count == 2)
        {
            string other = add.Proto.Input[0] == output ? add.Proto.Input[1] : add.Proto.Input[0];
            if (_values.TryGetValue(other, out var value) && value.Constant is { } c && c.Count == m && c.Dims.Take(Math.Max(0, c.Rank - 1)).All(d => d == 1))
            {
                bias = OnnxConstant.Real([m], c.AsReals());
                fused = users[0];
                _fused.Add(fused);
            }
        }
        var result = AddLayer(node, new Dense(m, bias is not null), a, node.Name, ("weight", weight), ("bias", bias));
        if (fused >= 0)
            foreach (string name in nodes[fused].Proto.Output.Where(o => o.Length > 0)) _values[name] = result;
        return result;
    }
}
