namespace MlNetConv.Onnx.Import;

/// <summary>
/// The output shapes of ONNX's shape operators (Reshape, Flatten, Squeeze, Unsqueeze, Slice, Split) from their input
/// shapes and arguments, shared by constant folding and by the layers that reshape computed tensors. Errors name the node.
/// </summary>
internal static class ShapeRules
{
    /// <summary>An axis in [-rank, rank) as [0, rank).</summary>
    public static int Axis(OnnxNode node, long axis, int rank, string what = "axis")
    {
        if (axis < -rank || axis >= rank) throw node.Invalid($"{what} {axis} is out of range for rank {rank}.");
        return (int)(axis < 0 ? axis + rank : axis);
    }

    /// <summary>Reshape: 0 copies the input dimension (unless allowzero), one -1 is inferred.</summary>
    public static long[] Reshape(OnnxNode node, long[] input, long[] target, bool allowZero)
    {
        var dims = (long[])target.Clone();
        long known = 1, total = input.Aggregate(1L, (a, d) => a * d);
        int inferred = -1;
        for (int i = 0; i < dims.Length; i++)
        {
            if (dims[i] == 0 && !allowZero)
            {
                if (i >= input.Length) throw node.Invalid($"shape [{string.Join(", ", target)}] copies dimension {i}, which the input [{string.Join(", ", input)}] lacks.");
                dims[i] = input[i];
            }
            if (dims[i] == -1)
            {
                if (inferred >= 0) throw node.Invalid($"shape [{string.Join(", ", target)}] has more than one -1.");
                inferred = i;
                continue;
            }
            if (dims[i] < 0) throw node.Invalid($"shape [{string.Join(", ", target)}] has a negative dimension.");
            known = dims[i] == 0 ? 0 : Math.Min(known * dims[i], long.MaxValue / Math.Max(1, dims[i]));
        }
        if (inferred >= 0)
        {
            if (known == 0 || total % known != 0) throw node.Invalid($"cannot reshape [{string.Join(", ", input)}] to [{string.Join(", ", target)}].");
            dims[inferred] = total / known;
        }
        else if (known != total) throw node.Invalid($"cannot reshape [{string.Join(", ", input)}] ({total} values) to [{string.Join(", ", target)}].");
        return dims;
    }

    /// <summary>Flatten at <paramref name="axis"/>: (d0·…·d(axis-1), d(axis)·…).</summary>
    public static long[] Flatten(OnnxNode node, long[] input, long axis)
    {
        int a = axis == input.Length ? input.Length : Axis(node, axis, input.Length);
        return [input.Take(a).Aggregate(1L, (x, d) => x * d), input.Skip(a).Aggregate(1L, (x, d) => x * d)];
    }

    /// <summary>Squeeze: the listed axes (each of extent 1), or every axis of extent 1.</summary>
    public static long[] Squeeze(OnnxNode node, long[] input, long[]? axes)
    {
        if (axes is null) return input.Where(d => d != 1).ToArray();
        var drop = axes.Select(a => Axis(node, a, input.Length, "squeeze axis")).ToHashSet();
        foreach (int a in drop)
            if (input[a] != 1) throw node.Invalid($"cannot squeeze axis {a} of [{string.Join(", ", input)}]: its extent is not 1.");
        return input.Where((_, i) => !drop.Contains(i)).ToArray();
    }

    /// <summary>Unsqueeze: ones inserted at the listed axes of the output.</summary>
    public static long[] Unsqueeze(OnnxNode node, long[] input, long[] axes)
    {
        int rank = input.Length + axes.Length;
        var insert = axes.Select(a => Axis(node, a, rank, "unsqueeze axis")).ToHashSet();
        if (insert.Count != axes.Length) throw node.Invalid($"unsqueeze axes [{string.Join(", ", axes)}] repeat an axis.");
        var dims = new long[rank];
        for (int i = 0, j = 0; i < rank; i++) dims[i] = insert.Contains(i) ? 1 : input[j++];
        return dims;
    }

    /// <summary>
    /// Slice on an input of <paramref name="dims"/>: per axis the first index read, the step and the extent read, with
    /// starts and ends clamped as ONNX clamps them. Arguments are attributes before opset 10, else inputs 1 to 4.
    /// </summary>
    public static (long[] First, long[] Step, long[] Dims) Slice(OnnxNode node, long[] dims, Func<int, OnnxConstant?> input)
    {
        long[] starts, ends;
        long[]? axes, steps = null;
        if (node.Opset < 10)
        {
            starts = node.Ints("starts") ?? throw node.Invalid("attribute 'starts' is missing.");
            ends = node.Ints("ends") ?? throw node.Invalid("attribute 'ends' is missing.");
            axes = node.Ints("axes");
        }
        else
        {
            starts = input(1)?.AsIntegers() ?? throw node.Invalid("input 'starts' is missing.");
            ends = input(2)?.AsIntegers() ?? throw node.Invalid("input 'ends' is missing.");
            axes = input(3)?.AsIntegers();
            steps = input(4)?.AsIntegers();
        }
        axes ??= Enumerable.Range(0, starts.Length).Select(i => (long)i).ToArray();
        steps ??= Enumerable.Repeat(1L, starts.Length).ToArray();
        if (ends.Length != starts.Length || axes.Length != starts.Length || steps.Length != starts.Length)
            throw node.Invalid("starts, ends, axes and steps need one value each per sliced axis.");
        int rank = dims.Length;
        var first = new long[rank];
        var step = Enumerable.Repeat(1L, rank).ToArray();
        var result = (long[])dims.Clone();
        for (int k = 0; k < starts.Length; k++)
        {
            int a = Axis(node, axes[k], rank);
            long extent = dims[a], s = steps[k];
            if (s == 0) throw node.Invalid("a step is 0.");
            long start = starts[k] < 0 ? starts[k] + extent : starts[k], end = ends[k] < 0 ? ends[k] + extent : ends[k];
            if (s > 0)
            {
                start = Math.Clamp(start, 0, extent);
                end = Math.Clamp(end, 0, extent);
                result[a] = Math.Max(0, (end - start + s - 1) / s);
            }
            else
            {
                start = Math.Clamp(start, -1, extent - 1);
                end = Math.Clamp(end, -1, extent - 1);
                result[a] = Math.Max(0, (start - end - s - 1) / -s);
            }
            first[a] = start;
            step[a] = s;
        }
        return (first, step, result);
    }

    /// <summary>
    /// Split of an axis of <paramref name="extent"/> into <paramref name="outputs"/> parts: the sizes from 'split' (an
    /// attribute up to opset 12, also an input in opset 1; an input from 13), else from num_outputs (18: parts of
    /// ⌈extent / n⌉, the last smaller), else equal parts.
    /// </summary>
    public static long[] Split(OnnxNode node, long extent, int outputs, Func<int, OnnxConstant?> input)
    {
        if (outputs < 1) throw node.Invalid("has no outputs.");
        long[]? split = node.Opset >= 13 ? input(1)?.AsIntegers() : node.Ints("split") ?? (node.Opset < 2 ? input(1)?.AsIntegers() : null);
        if (split is not null && !(node.Opset >= 13 && split.Length == 0))
        {
            if (split.Length != outputs) throw node.Invalid($"split has {split.Length} values for {outputs} outputs.");
            if (split.Any(v => v < 0) || split.Aggregate(0L, (a, v) => a + Math.Min(v, extent + 1)) != extent)
                throw node.Invalid($"split [{string.Join(", ", split)}] does not add up to the extent {extent}.");
            return split;
        }
        if (node.Opset >= 18 && node.Attribute("num_outputs") is not null)
        {
            long parts = node.Int("num_outputs", 0);
            if (parts != outputs) throw node.Invalid($"num_outputs is {parts}, the node has {outputs} outputs.");
            long chunk = (extent + parts - 1) / parts;
            return Enumerable.Range(0, outputs).Select(k => Math.Clamp(extent - k * chunk, 0, chunk)).ToArray();
        }
        if (extent % outputs != 0) throw node.Invalid($"cannot split an extent of {extent} into {outputs} equal parts; give 'split'.");
        return Enumerable.Repeat(extent / outputs, outputs).ToArray();
    }

    /// <summary>Transpose's perm (default: the axes reversed), checked to be a permutation of <paramref name="rank"/> axes.</summary>
    public static int[] Permutation(OnnxNode node, int rank)
    {
        var perm = node.Ints("perm") ?? Enumerable.Range(0, rank).Reverse().Select(i => (long)i).ToArray();
        if (perm.Length != rank || perm.Distinct().Count() != rank || perm.Any(p => p < 0 || p >= rank))
            throw node.Invalid($"perm [{string.Join(", ", perm)}] is not a permutation of {rank} axes.");
        return perm.Select(p => (int)p).ToArray();
    }
}
