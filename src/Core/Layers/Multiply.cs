using System.Text.Json.Nodes;
using MlNetConv.Backends;
using MlNetConv.Tensors;

namespace MlNetConv.Layers;

/// <summary>
/// Element-wise product of two inputs of one shape (a gate, or the x · x and a · (1/b) that exporters decompose layers
/// into). Backward: each input's gradient is the output gradient times the other input.
/// </summary>
public sealed class Multiply(string? name = null) : IMergeLayer
{
    private IBackend? _backend;
    private Tensor? _output, _gradA, _gradB;
    private Tensor? _a, _b;

    public string Name { get; set; } = name ?? "";
    public string TypeName => "Multiply";
    public Shape OutputShape { get; private set; }

    public Shape Build(IBackend backend, IReadOnlyList<Shape> inputs)
    {
        if (inputs.Count != 2) throw new ArgumentException($"Merge '{Name}' (Multiply): needs two inputs, got {inputs.Count}.");
        if (inputs[0] != inputs[1])
            throw new ArgumentException($"Merge '{Name}' (Multiply): both inputs must have one shape; input 0 is {inputs[0]}, input 1 is {inputs[1]}.");
        _backend = backend;
        return OutputShape = inputs[0];
    }

    public LayerStats Stats => LayerStats.PerElement(OutputShape.Size);

    public Tensor Forward(IReadOnlyList<Tensor> inputs)
    {
        var backend = _backend ?? throw new InvalidOperationException($"Merge '{Name}' is used before Build.");
        if (inputs[0].Shape != inputs[1].Shape)
            throw new ArgumentException($"Merge '{Name}' (Multiply): input 0 is {inputs[0].Shape}, input 1 is {inputs[1].Shape}.");
        var output = backend.Reuse(ref _output, inputs[0].Shape);
        backend.Elementwise.Multiply(inputs[0], inputs[1], output);
        (_a, _b) = (inputs[0], inputs[1]);
        return output;
    }

    public IReadOnlyList<Tensor> Backward(Tensor outputGrad)
    {
        var backend = _backend!;
        var a = _a ?? throw new InvalidOperationException($"Merge '{Name}': Backward called without a Forward.");
        var gradA = backend.Reuse(ref _gradA, outputGrad.Shape);
        var gradB = backend.Reuse(ref _gradB, outputGrad.Shape);
        backend.Elementwise.Multiply(outputGrad, _b!, gradA);
        backend.Elementwise.Multiply(outputGrad, a, gradB);
        return [gradA, gradB];
    }

    public void WriteConfig(JsonObject config) { }

    public override string ToString() => "Multiply()";
}
