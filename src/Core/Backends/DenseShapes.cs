using MlNetConv.Tensors;

namespace MlNetConv.Backends;

/// <summary>
/// The one check of a dense kernel's arguments, made on entry by every backend (the CPU's SGEMM reads behind raw
/// pointers): y (N, Out) = x (N, In) · W (Out, In)ᵀ + b (Out). The input may keep its spatial dimensions, as long as
/// each sample has In values.
/// </summary>
public static class DenseShapes
{
    /// <param name="operation">what was called, for the message ("forward", "backward (data)", ...)</param>
    /// <param name="input">(N, In) or (N, ...) with In values a sample</param>
    /// <param name="weight">(Out, In)</param>
    /// <param name="bias">(Out) or null</param>
    /// <param name="output">(N, Out)</param>
    /// <returns>N, In and Out</returns>
    /// <exception cref="ArgumentException">the shapes do not agree</exception>
    public static (int N, int In, int Out) Check(string operation, Shape input, Shape weight, Shape? bias, Shape output)
    {
        int n = input.N;
        long perSample = 1;
        for (int i = 1; i < input.Rank; i++) perSample *= input[i];
        if (weight.Rank != 2 || input.Rank < 2 || perSample != weight[1] || output != new Shape(n, weight[0]) || bias is { } b && b != new Shape(weight[0]))
            throw new ArgumentException($"Dense {operation}: input {input}, weight {weight}{(bias is { } given ? $", bias {given}" : "")} and output {output} do not agree: "
                + "the weight must be (Out, In), each input sample In values, the output (N, Out) and the bias (Out).");
        return (n, weight[1], weight[0]);
    }
}
