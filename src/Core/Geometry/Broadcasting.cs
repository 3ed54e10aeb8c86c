using MlNetConv.Tensors;

namespace MlNetConv.Geometry;

/// <summary>
/// numpy's (and ONNX's) broadcasting between tensors of one rank: every dimension equal or 1, the result taking the
/// larger. Merges of computed tensors keep the batch: it never broadcasts.
/// </summary>
public static class Broadcasting
{
    /// <summary>Whether <paramref name="source"/> broadcasts to <paramref name="output"/> (one rank, each dimension the output's or 1).</summary>
    public static bool Broadcasts(Shape source, Shape output)
    {
        if (source.Rank != output.Rank) return false;
        for (int k = 0; k < source.Rank; k++)
            if (source[k] != output[k] && source[k] != 1) return false;
        return true;
    }

    /// <summary>The shape all of <paramref name="shapes"/> broadcast to, or null when they have several ranks or two dimensions differ and neither is 1.</summary>
    public static Shape? Result(IReadOnlyList<Shape> shapes)
    {
        int rank = shapes[0].Rank;
        var dims = new int[rank];
        for (int k = 0; k < rank; k++) dims[k] = 1;
        foreach (var s in shapes)
        {
            if (s.Rank != rank) return null;
            for (int k = 0; k < rank; k++)
            {
                if (s[k] == 1 || s[k] == dims[k]) continue;
                if (dims[k] != 1) return null;
                dims[k] = s[k];
            }
        }
        return new Shape(dims);
    }

    /// <summary>
    /// The output shape of a merge of <paramref name="inputs"/>: their broadcast shape, each input of the same batch.
    /// </summary>
    /// <param name="merge">the merge, for messages ("Merge 'gate' (Multiply)")</param>
    /// <exception cref="ArgumentException">the inputs do not broadcast, or differ in batch</exception>
    public static Shape MergeShape(string merge, IReadOnlyList<Shape> inputs)
    {
        var result = Result(inputs);
        if (result is not { } shape || inputs.Any(s => s.N != inputs[0].N))
            throw new ArgumentException($"{merge}: inputs must have one shape or broadcast to one (one rank and batch, every other dimension equal or 1); "
                + $"got {string.Join(", ", inputs.Select((s, i) => $"input {i} {s}"))}.");
        return shape;
    }
}
