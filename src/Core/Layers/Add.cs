using System.Text.Json.Nodes;
using MlNetConv.Backends;
using MlNetConv.Geometry;
using MlNetConv.Tensors;

namespace MlNetConv.Layers;

/// <summary>
/// Element-wise sum: the residual connection y = F(x) + x of inputs of one shape, or inputs that broadcast as numpy's
/// do (one rank and batch, every other dimension equal or 1, the output taking the larger: a per-channel (N, C, 1, 1)
/// added to a map). Backward: every input receives the output gradient, summed over the axes it was repeated along.
/// </summary>
public sealed class Add(string? name = null) : IMergeLayer
{
    private IBackend? _backend;
    private Tensor? _output;
    private Tensor?[] _inputGrads = [];
    private Shape[] _inputShapes = [];

    public string Name { get; set; } = name ?? "";
    public string TypeName => "Add";
    public Shape OutputShape { get; private set; }

    /// <summary>Whether some input is smaller than the output and is repeated (false: every input has the output's shape).</summary>
    public bool Broadcasts { get; private set; }

    public Shape Build(IBackend backend, IReadOnlyList<Shape> inputs)
    {
        if (inputs.Count < 2) throw new ArgumentException($"Merge '{Name}' (Add): needs at least two inputs, got {inputs.Count}.");
        OutputShape = Broadcasting.MergeShape($"Merge '{Name}' (Add)", inputs);
        _backend = backend;
        _inputShapes = [.. inputs];
        _inputGrads = new Tensor?[inputs.Count];
        Broadcasts = inputs.Any(s => s != OutputShape);
        return OutputShape;
    }

    public LayerStats Stats => LayerStats.PerElement(OutputShape.Size, _inputShapes.Length - 1);

    public Tensor Forward(IReadOnlyList<Tensor> inputs)
    {
        var backend = _backend ?? throw new InvalidOperationException($"Merge '{Name}' is used before Build.");
        MergeInputs.Check($"Merge '{Name}' (Add)", inputs, _inputShapes);
        var output = backend.Reuse(ref _output, OutputShape.WithBatch(inputs[0].Shape.N));
        if (!Broadcasts)
        {
            backend.Elementwise.Add(inputs[0], inputs[1], output);
            for (int i = 2; i < inputs.Count; i++) backend.Elementwise.Axpy(1f, inputs[i], output);
            return output;
        }
        backend.Elementwise.Broadcast(new AddOp(), inputs[0], inputs[1], output);
        for (int i = 2; i < inputs.Count; i++) backend.Elementwise.Broadcast(new AddOp(), output, inputs[i], output);
        return output;
    }

    /// <summary>
    /// Inputs of the output's shape receive the output gradient unchanged (the same tensor: consumers only read it); a
    /// repeated input its sum over the axes it was repeated along.
    /// </summary>
    public IReadOnlyList<Tensor> Backward(Tensor outputGrad)
    {
        var backend = _backend ?? throw new InvalidOperationException($"Merge '{Name}' is used before Build.");
        var grads = new Tensor[_inputShapes.Length];
        for (int i = 0; i < grads.Length; i++)
        {
            var shape = _inputShapes[i].WithBatch(outputGrad.Shape.N);
            if (shape == outputGrad.Shape) grads[i] = outputGrad;
            else
            {
                grads[i] = backend.Reuse(ref _inputGrads[i], shape);
                backend.Elementwise.SumTo(outputGrad, grads[i]);
            }
        }
        return grads;
    }

    public void WriteConfig(JsonObject config) { }

    public override string ToString() => "Add()";
}
