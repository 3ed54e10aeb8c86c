using System.Text.Json.Nodes;
using MlNetConv.Geometry;
using MlNetConv.Tensors;

namespace MlNetConv.Layers;

/// <summary>
/// The input's axes in another order (PyTorch's <c>permute</c>, copied to a contiguous tensor): output axis k is input
/// axis <see cref="Dims"/>[k], the batch staying first (Dims[0] = 0). ONNX's Transpose of a computed tensor. Backward
/// permutes the gradient back.
/// </summary>
public sealed class Permute : Layer
{
    private readonly int[] _dims, _inverse;
    private Tensor? _output, _inputGrad;

    /// <param name="dims">a permutation of 0..rank-1 that starts with 0</param>
    public Permute(int[] dims, string? name = null) : base(name)
    {
        ArgumentNullException.ThrowIfNull(dims);
        if (dims.Length is < 2 or > Shape.MaxRank || dims[0] != 0 || dims.Order().Where((d, i) => d != i).Any())
            throw new ArgumentException($"Permute: dims must be a permutation of 2..{Shape.MaxRank} axes that keeps the batch first, got ({string.Join(", ", dims)}).");
        _dims = (int[])dims.Clone();
        _inverse = new int[dims.Length];
        for (int k = 0; k < dims.Length; k++) _inverse[dims[k]] = k;
    }

    public IReadOnlyList<int> Dims => _dims;

    protected override Shape OnBuild(Shape input)
    {
        if (input.Rank != _dims.Length)
            throw new ArgumentException($"Layer '{Name}' (Permute): dims ({string.Join(", ", _dims)}) permute {_dims.Length} axes, input {input} has {input.Rank}.");
        return StridedLayout.Permuted(input, _dims);
    }

    public override Tensor Forward(Tensor input, bool training)
    {
        CheckInput(input);
        var output = Reuse(ref _output, OutputShape.WithBatch(input.Shape.N));
        Backend.Elementwise.CopyStrided(input, StridedLayout.Permute(input.Shape, _dims), output);
        return output;
    }

    public override Tensor? Backward(Tensor outputGrad)
    {
        if (!InputGradRequired) return null;
        var inputGrad = Reuse(ref _inputGrad, InputShape.WithBatch(outputGrad.Shape.N));
        Backend.Elementwise.CopyStrided(outputGrad, StridedLayout.Permute(outputGrad.Shape, _inverse), inputGrad);
        return inputGrad;
    }

    public override void WriteConfig(JsonObject config) => config["dims"] = Json.Ints(_dims);

    public override string ToString() => $"Permute({string.Join(", ", _dims)})";
}
