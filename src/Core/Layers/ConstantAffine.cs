using System.Text.Json.Nodes;
using MlNetConv.Init;
using MlNetConv.Tensors;

namespace MlNetConv.Layers;

/// <summary>
/// y = x · scale + shift with fixed (not trained) scale and shift, per channel ((C), broadcast over the batch and the
/// spatial positions) or per element of a sample ((C, spatial...), broadcast over the batch): the arithmetic with constants
/// that imported ONNX models do at their input (x - mean, x / std, x · 255) and between layers. Both are buffers, saved
/// with the model; they start as scale 1, shift 0. Input and output (N, C, spatial...) or (N, C).
/// </summary>
public sealed class ConstantAffine(bool perElement = false, string? name = null) : Layer(name)
{
    private Parameter? _scale, _shift;
    private Tensor? _zeros, _output, _inputGrad;

    /// <summary>True: one scale and shift per element of a sample; false: one per channel.</summary>
    public bool PerElement { get; } = perElement;

    public Parameter Scale => _scale ?? throw new InvalidOperationException($"Layer '{Name}' is not built.");
    public Parameter Shift => _shift ?? throw new InvalidOperationException($"Layer '{Name}' is not built.");

    protected override Shape OnBuild(Shape input)
    {
        var shape = PerElement ? new Shape(input.Skip(1).ToArray()) : new Shape(input.C);
        _scale = AddParameter("scale", shape, Initializers.Ones(), trainable: false);
        _shift = AddParameter("shift", shape, Initializers.Zeros(), trainable: false);
        if (!PerElement) _zeros = Backend.Allocate(shape);
        return input;
    }

    public override LayerStats Stats => LayerStats.PerElement(OutputShape.Size, 2);

    public override Tensor Forward(Tensor input, bool training)
    {
        CheckInput(input);
        var output = Reuse(ref _output, input.Shape);
        if (!PerElement)
        {
            Backend.Elementwise.ChannelAffineForward(input, Scale.Value, Shift.Value, output);
            return output;
        }
        for (int n = 0; n < input.Shape.N; n++)
        {
            var y = Sample(output, n);
            Backend.Elementwise.Multiply(Sample(input, n), Scale.Value, y);
            Backend.Elementwise.Add(y, Shift.Value, y);
        }
        return output;
    }

    /// <summary>dL/dx = dL/dy · scale; the constants get no gradient.</summary>
    public override Tensor? Backward(Tensor outputGrad)
    {
        if (!InputGradRequired) return null;
        var inputGrad = Reuse(ref _inputGrad, outputGrad.Shape);
        if (!PerElement) Backend.Elementwise.ChannelAffineForward(outputGrad, Scale.Value, _zeros!, inputGrad);
        else
            for (int n = 0; n < outputGrad.Shape.N; n++) Backend.Elementwise.Multiply(Sample(outputGrad, n), Scale.Value, Sample(inputGrad, n));
        return inputGrad;
    }

    /// <summary>Sample n of (N, sample...) as a view of shape (sample...).</summary>
    private static Tensor Sample(Tensor batch, int n)
    {
        var sample = new Shape(batch.Shape.Skip(1).ToArray());
        return new Tensor(batch.Backend, batch.Buffer, sample, batch.Offset + n * sample.Size);
    }

    public override void WriteConfig(JsonObject config) => config["perElement"] = PerElement;

    public override string ToString() => PerElement ? "ConstantAffine(per_element)" : "ConstantAffine()";
}
