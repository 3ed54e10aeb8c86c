namespace MlNetConv.Onnx.Import;

/// <summary>
/// The output shapes of ONNX's shape operators (Reshape, Flatten, Squeeze, Unsqueeze) from their input shapes and
/// arguments, shared by constant folding and by the layers that reshape computed tensors. Errors name the node.
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
}
