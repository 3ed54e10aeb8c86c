using System.Text.Json.Nodes;
using MlNetConv.Backends;
using MlNetConv.Tensors;

namespace MlNetConv.Layers;

/// <summary>A node with several inputs (residual addition, inception concatenation). Backward returns one gradient per input.</summary>
public interface IMergeLayer
{
    string Name { get; set; }
    string TypeName { get; }
    Shape OutputShape { get; }
    Shape Build(IBackend backend, IReadOnlyList<Shape> inputs);
    Tensor Forward(IReadOnlyList<Tensor> inputs);
    IReadOnlyList<Tensor> Backward(Tensor outputGrad);
    LayerStats Stats { get; }
    void WriteConfig(JsonObject config);
}
