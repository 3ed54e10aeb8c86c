using MlNetConv.Tensors;

namespace MlNetConv.Layers;

/// <summary>The check a merge makes of its inputs on every forward pass: the sample shapes it was built for, one batch for all.</summary>
internal static class MergeInputs
{
    /// <param name="merge">the merge, for messages ("Merge 'gate' (Multiply)")</param>
    /// <param name="built">the input shapes the merge was built for</param>
    public static void Check(string merge, IReadOnlyList<Tensor> inputs, IReadOnlyList<Shape> built)
    {
        if (inputs.Count != built.Count) throw new ArgumentException($"{merge}: was built for {built.Count} inputs, got {inputs.Count}.");
        for (int i = 0; i < inputs.Count; i++)
        {
            var shape = inputs[i].Shape;
            bool same = shape.Rank == built[i].Rank && shape.N == inputs[0].Shape.N;
            for (int k = 1; same && k < shape.Rank; k++) same = shape[k] == built[i][k];
            if (!same) throw new ArgumentException($"{merge}: input {i} is {shape}, expected (N={inputs[0].Shape.N}, {string.Join(", ", built[i].Skip(1))}).");
        }
    }
}
