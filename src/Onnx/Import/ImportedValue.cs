using MlNetConv.Graphs;
using MlNetConv.Layers;
using MlNetConv.Tensors;

namespace MlNetConv.Onnx.Import;

/// <summary>
/// What an ONNX value name stands for during import: a tensor computed by the network (a graph node, with its shape for
/// the batch size the importer evaluates shapes with) or a constant known at import. <see cref="Initializer"/> is the
/// ONNX initializer's name where the constant is one, so that parameters can keep it. A max-pooling node's Indices
/// output is a third kind: the pooling layer, which only an unpooling layer can read.
/// </summary>
internal sealed class ImportedValue
{
    private ImportedValue(NodeRef node, Shape shape, OnnxConstant? constant, string? initializer, Pooling? pooling = null)
    {
        Pooling = pooling;
        Node = node;
        Shape = shape;
        Constant = constant;
        Initializer = initializer;
    }

    public NodeRef Node { get; }

    /// <summary>(batch, C, spatial...) of a computed tensor.</summary>
    public Shape Shape { get; }

    public OnnxConstant? Constant { get; }
    public string? Initializer { get; }
    public bool IsConstant => Constant is not null;

    /// <summary>The max-pooling layer whose indices this value stands for; its <see cref="Shape"/> is the pooling's input.</summary>
    public Pooling? Pooling { get; }

    public bool IsIndices => Pooling is not null;
    public long[] Dims => Constant?.Dims ?? Shape.Select(d => (long)d).ToArray();

    public static ImportedValue Computed(NodeRef node, Shape shape) => new(node, shape, null, null);
    public static ImportedValue Known(OnnxConstant constant, string? initializer = null) => new(default, default, constant, initializer);
    public static ImportedValue IndicesOf(Pooling pooling, Shape poolingInput) => new(default, poolingInput, null, null, pooling);
}
