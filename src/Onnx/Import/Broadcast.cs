namespace MlNetConv.Onnx.Import;

/// <summary>
/// ONNX's multidirectional (numpy) broadcasting: shapes aligned at the right, each dimension equal or 1. For constants of
/// bounded size, the source index of every output element in each input.
/// </summary>
internal static class Broadcast
{
    /// <summary>The broadcast shape, or null when two dimensions differ and neither is 1.</summary>
    public static long[]? Shape(params long[][] shapes)
    {
        int rank = shapes.Max(s => s.Length);
        var result = new long[rank];
        for (int i = 0; i < rank; i++)
        {
            long d = 1;
            foreach (var s in shapes)
            {
                int at = i - (rank - s.Length);
                if (at < 0 || s[at] == 1) continue;
                if (d != 1 && d != s[at]) return null;
                d = s[at];
            }
            result[i] = d;
        }
        return result;
    }

    /// <summary>For every element of <paramref name="output"/> (row-major), the flat index of the element of <paramref name="input"/> it reads.</summary>
    public static int[] SourceIndices(long[] input, long[] output)
    {
        int rank = output.Length, count = (int)output.Aggregate(1L, (a, d) => a * d);
        var strides = new long[rank];
        long stride = 1;
        for (int i = rank - 1; i >= 0; i--)
        {
            int at = i - (rank - input.Length);
            if (at >= 0 && input[at] != 1) strides[i] = stride;
            if (at >= 0) stride *= input[at];
        }
        var indices = new int[count];
        var position = new long[rank];
        long source = 0;
        for (int k = 0; k < count; k++)
        {
            indices[k] = (int)source;
            for (int i = rank - 1; i >= 0; i--)
            {
                position[i]++;
                source += strides[i];
                if (position[i] < output[i]) break;
                source -= strides[i] * position[i];
                position[i] = 0;
            }
        }
        return indices;
    }
}
