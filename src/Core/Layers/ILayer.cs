using System.Text.Json.Nodes;
using MlNetConv.Backends;
using MlNetConv.Tensors;

namespace MlNetConv.Layers;

/// <summary>
/// A layer: built lazily against an input shape (Keras' build), then Forward and Backward on mini-batches.
/// Backward ACCUMULATES parameter gradients and returns the input gradient (null when none is required).
/// Tensors returned by Forward/Backward belong to the layer and are overwritten by its next call.
/// </summary>
public interface ILayer
{
    /// <summary>Local name inside the parent (<c>conv1</c>, <c>0</c>); parameter names are dotted paths of these.</summary>
    string Name { get; set; }

    bool IsBuilt { get; }

    /// <summary>The input shape the layer was built for (batch dimension as given to Build).</summary>
    Shape InputShape { get; }

    Shape OutputShape { get; }

    /// <summary>False when nobody needs the gradient with respect to the input (the first layer of a network).</summary>
    bool InputGradRequired { get; set; }

    /// <summary>Creates parameters for this input shape and returns the output shape. Building twice with the same shape is a no-op.</summary>
    /// <param name="input">(N, C, spatial...)</param>
    Shape Build(IBackend backend, Shape input);

    /// <summary>This layer's parameters and buffers, including those of child layers.</summary>
    IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>Child layers of a composite layer (graphs, blocks); empty for a leaf.</summary>
    IReadOnlyList<ILayer> Children { get; }

    Tensor Forward(Tensor input, bool training);

    Tensor? Backward(Tensor outputGrad);

    /// <summary>Cost and geometry of a leaf layer for the model summary.</summary>
    LayerStats Stats { get; }

    /// <summary>The type name used in saved architectures.</summary>
    string TypeName { get; }

    /// <summary>Writes the constructor arguments (not the weights) so the layer can be rebuilt from a saved architecture.</summary>
    void WriteConfig(JsonObject config);
}
