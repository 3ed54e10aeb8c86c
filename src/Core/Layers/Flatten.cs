using System.Text.Json.Nodes;
using MlNetConv.Tensors;

namespace MlNetConv.Layers;

/// <summary>(N, C, spatial...) -> (N, C·spatial). A view: no copy in either direction.</summary>
public sealed class Flatten(string? name = null) : Layer(name)
{
    protected override Shape OnBuild(Shape input) => new(input.N, input.SampleSize);

    public override Tensor Forward(Tensor input, bool training)
    {
        CheckInput(input);
        return input.Reshape(new Shape(input.Shape.N, input.Shape.SampleSize));
    }

    public override Tensor? Backward(Tensor outputGrad) =>
        InputGradRequired ? outputGrad.Reshape(InputShape.WithBatch(outputGrad.Shape.N)) : null;

    public override void WriteConfig(JsonObject config) { }
}
