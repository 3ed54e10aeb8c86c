using System.Text.Json.Nodes;
using MlNetConv.Geometry;
using MlNetConv.Tensors;

namespace MlNetConv.Layers;

/// <summary>
/// Global average or max pooling: (N, C, spatial...) -> (N, C). Replaces a large dense layer with no weights at all
/// (Network in Network, GoogLeNet, ResNet).
/// </summary>
public abstract class GlobalPooling(bool isMax, string? name) : Layer(name)
{
    private PoolGeometry? _geometry;
    private Tensor? _output, _inputGrad;
    private IndexTensor? _indices;
    private Shape _inputShape;

    public bool IsMax { get; } = isMax;

    protected override Shape OnBuild(Shape input)
    {
        _geometry = PoolGeometry.Global(input, $"Layer '{Name}' ({TypeName})");
        return new Shape(input.N, input.C);
    }

    public override LayerStats Stats
    {
        get
        {
            var g = _geometry!;
            return new LayerStats(OutputShape.Size * (long)g.Kernel.Volume, 0, g.Kernel, Int3.One);
        }
    }

    public override Tensor Forward(Tensor input, bool training)
    {
        CheckInput(input);
        var g = _geometry!;
        var pooled = Reuse(ref _output, g.OutputShape(input.Shape.N));
        if (IsMax)
        {
            if (_indices is null || _indices.Shape != pooled.Shape)
            {
                _indices?.Dispose();
                _indices = Backend.AllocateIndices(pooled.Shape);
            }
            Backend.Pooling.MaxForward(g, input, pooled, _indices);
        }
        else Backend.Pooling.AvgForward(g, input, pooled);
        _inputShape = input.Shape;
        return pooled.Reshape(new Shape(input.Shape.N, input.Shape.C));
    }

    public override Tensor? Backward(Tensor outputGrad)
    {
        if (!InputGradRequired) return null;
        var g = _geometry!;
        var grad = outputGrad.Reshape(g.OutputShape(outputGrad.Shape.N));
        var inputGrad = Reuse(ref _inputGrad, _inputShape);
        if (IsMax) Backend.Pooling.MaxBackward(g, grad, Saved(_indices, Name), inputGrad);
        else Backend.Pooling.AvgBackward(g, grad, inputGrad);
        return inputGrad;
    }

    public override void WriteConfig(JsonObject config) { }
}

public sealed class GlobalAvgPool(string? name = null) : GlobalPooling(false, name);

public sealed class GlobalMaxPool(string? name = null) : GlobalPooling(true, name);
