using System.Text.Json.Nodes;
using MlNetConv.Backends;
using MlNetConv.Tensors;

namespace MlNetConv.Layers;

/// <summary>Concatenation along the channel axis: the inception module's filter concatenation. Spatial extents must agree.</summary>
public sealed class Concat(string? name = null) : IMergeLayer
{
    private IBackend? _backend;
    private Tensor? _output;
    private Tensor?[] _inputGrads = [];
    private Shape[] _inputShapes = [];

    public string Name { get; set; } = name ?? "";
    public string TypeName => "Concat";
    public Shape OutputShape { get; private set; }

    public Shape Build(IBackend backend, IReadOnlyList<Shape> inputs)
    {
        if (inputs.Count < 1) throw new ArgumentException($"Merge '{Name}' (Concat): needs at least one input.");
        for (int i = 1; i < inputs.Count; i++)
            if (inputs[i].Rank != inputs[0].Rank || !inputs[i].Skip(2).SequenceEqual(inputs[0].Skip(2)))
                throw new ArgumentException($"Merge '{Name}' (Concat): inputs must agree except in channels; input 0 is {inputs[0]}, input {i} is {inputs[i]}.");
        _backend = backend;
        _inputShapes = [.. inputs];
        _inputGrads = new Tensor?[inputs.Count];
        return OutputShape = inputs[0].WithChannels(inputs.Sum(s => s.C));
    }

    public LayerStats Stats => LayerStats.None;

    public Tensor Forward(IReadOnlyList<Tensor> inputs)
    {
        var backend = _backend ?? throw new InvalidOperationException($"Merge '{Name}' is used before Build.");
        var shape = OutputShape.WithBatch(inputs[0].Shape.N);
        var output = backend.Reuse(ref _output, shape);
        int channel = 0;
        for (int i = 0; i < inputs.Count; i++)
        {
            if (inputs[i].Shape.C != _inputShapes[i].C || inputs[i].Shape.N != shape.N)
                throw new ArgumentException($"Merge '{Name}' (Concat): input {i} is {inputs[i].Shape}, expected (N={shape.N}, C={_inputShapes[i].C}, ...).");
            backend.Elementwise.CopyChannels(inputs[i], 0, output, channel, inputs[i].Shape.C);
            channel += inputs[i].Shape.C;
        }
        return output;
    }

    public IReadOnlyList<Tensor> Backward(Tensor outputGrad)
    {
        var backend = _backend!;
        var grads = new Tensor[_inputShapes.Length];
        int channel = 0;
        for (int i = 0; i < grads.Length; i++)
        {
            var shape = _inputShapes[i].WithBatch(outputGrad.Shape.N);
            grads[i] = backend.Reuse(ref _inputGrads[i], shape);
            backend.Elementwise.CopyChannels(outputGrad, channel, grads[i], 0, shape.C);
            channel += shape.C;
        }
        return grads;
    }

    public void WriteConfig(JsonObject config) { }

    public override string ToString() => "Concat(dim=1)";
}
