using System.Text.Json.Nodes;
using MlNetConv.Backends;
using MlNetConv.Geometry;
using MlNetConv.Tensors;

namespace MlNetConv.Layers;

/// <summary>
/// Element-wise product of two inputs (a gate, or the x · x and a · (1/b) that exporters decompose layers into), of one
/// shape or broadcasting as numpy's do (one rank and batch, every other dimension equal or 1: a squeeze-and-excitation
/// gate (N, C, 1, 1) times its map (N, C, H, W)). Backward: each input's gradient is the output gradient times the other
/// input, summed over the axes the input was repeated along.
/// </summary>
public sealed class Multiply(string? name = null) : IMergeLayer
{
    private IBackend? _backend;
    private Tensor? _output, _gradA, _gradB, _product;
    private Tensor? _a, _b;
    private Shape[] _inputShapes = [];

    public string Name { get; set; } = name ?? "";
    public string TypeName => "Multiply";
    public Shape OutputShape { get; private set; }

    /// <summary>Whether an input is smaller than the output and is repeated (false: both have the output's shape).</summary>
    public bool Broadcasts { get; private set; }

    public Shape Build(IBackend backend, IReadOnlyList<Shape> inputs)
    {
        if (inputs.Count != 2) throw new ArgumentException($"Merge '{Name}' (Multiply): needs two inputs, got {inputs.Count}.");
        OutputShape = Broadcasting.MergeShape($"Merge '{Name}' (Multiply)", inputs);
        _backend = backend;
        _inputShapes = [.. inputs];
        Broadcasts = inputs.Any(s => s != OutputShape);
        return OutputShape;
    }

    public LayerStats Stats => LayerStats.PerElement(OutputShape.Size);

    public Tensor Forward(IReadOnlyList<Tensor> inputs)
    {
        var backend = _backend ?? throw new InvalidOperationException($"Merge '{Name}' is used before Build.");
        MergeInputs.Check($"Merge '{Name}' (Multiply)", inputs, _inputShapes);
        var output = backend.Reuse(ref _output, OutputShape.WithBatch(inputs[0].Shape.N));
        if (Broadcasts) backend.Elementwise.Broadcast(new MultiplyOp(), inputs[0], inputs[1], output);
        else backend.Elementwise.Multiply(inputs[0], inputs[1], output);
        (_a, _b) = (inputs[0], inputs[1]);
        return output;
    }

    public IReadOnlyList<Tensor> Backward(Tensor outputGrad)
    {
        var a = _a ?? throw new InvalidOperationException($"Merge '{Name}': Backward called without a Forward.");
        return [Gradient(outputGrad, _b!, a.Shape, ref _gradA), Gradient(outputGrad, a, _b!.Shape, ref _gradB)];
    }

    /// <summary>outputGrad · other, summed to <paramref name="shape"/> where that input was repeated.</summary>
    private Tensor Gradient(Tensor outputGrad, Tensor other, Shape shape, ref Tensor? grad)
    {
        var backend = _backend!;
        var result = backend.Reuse(ref grad, shape);
        if (!Broadcasts) backend.Elementwise.Multiply(outputGrad, other, result);
        else if (shape == outputGrad.Shape) backend.Elementwise.Broadcast(new MultiplyOp(), outputGrad, other, result);
        else
        {
            var product = backend.Reuse(ref _product, outputGrad.Shape);
            backend.Elementwise.Broadcast(new MultiplyOp(), outputGrad, other, product);
            backend.Elementwise.SumTo(product, result);
        }
        return result;
    }

    public void WriteConfig(JsonObject config) { }

    public override string ToString() => "Multiply()";
}
