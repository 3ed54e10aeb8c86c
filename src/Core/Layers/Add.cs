using System.Text.Json.Nodes;
using MlNetConv.Backends;
using MlNetConv.Tensors;

namespace MlNetConv.Layers;

/// <summary>Element-wise sum of inputs of one shape: the residual connection y = F(x) + x.</summary>
public sealed class Add(string? name = null) : IMergeLayer
{
    private IBackend? _backend;
    private Tensor? _output;
    private int _inputs;

    public string Name { get; set; } = name ?? "";
    public string TypeName => "Add";
    public Shape OutputShape { get; private set; }

    public Shape Build(IBackend backend, IReadOnlyList<Shape> inputs)
    {
        if (inputs.Count < 2) throw new ArgumentException($"Merge '{Name}' (Add): needs at least two inputs, got {inputs.Count}.");
        for (int i = 1; i < inputs.Count; i++)
            if (inputs[i] != inputs[0])
                throw new ArgumentException($"Merge '{Name}' (Add): all inputs must have one shape; input 0 is {inputs[0]}, input {i} is {inputs[i]}.");
        _backend = backend;
        _inputs = inputs.Count;
        return OutputShape = inputs[0];
    }

    public LayerStats Stats => LayerStats.PerElement(OutputShape.Size, _inputs - 1);

    public Tensor Forward(IReadOnlyList<Tensor> inputs)
    {
        var backend = _backend ?? throw new InvalidOperationException($"Merge '{Name}' is used before Build.");
        for (int i = 1; i < inputs.Count; i++)
            if (inputs[i].Shape != inputs[0].Shape)
                throw new ArgumentException($"Merge '{Name}' (Add): input 0 is {inputs[0].Shape}, input {i} is {inputs[i].Shape}.");
        var output = backend.Reuse(ref _output, inputs[0].Shape);
        backend.Elementwise.Add(inputs[0], inputs[1], output);
        for (int i = 2; i < inputs.Count; i++) backend.Elementwise.Axpy(1f, inputs[i], output);
        return output;
    }

    /// <summary>Every input receives the output gradient unchanged (the same tensor: consumers only read it).</summary>
    public IReadOnlyList<Tensor> Backward(Tensor outputGrad) => Enumerable.Repeat(outputGrad, _inputs).ToArray();

    public void WriteConfig(JsonObject config) { }

    public override string ToString() => "Add()";
}
