using MlNetConv.Graphs;
using MlNetConv.Layers;
using MlNetConv.Tensors;

namespace MlNetConv.Onnx.Import;

/// <summary>
/// What an ONNX value name stands for during import: a tensor computed by the network (a graph node, with its shape for
/// the batch size the importer evaluates shapes with) or a constant known at import. <see cref="Initializer"/> is the
/// ONNX initializer's name where the constant is one, so that parameters can keep it. A max-pooling node's Indices
/// output is a third kind: the pooling layer, which only an unpooling layer can read. A fourth is the transpose of a
/// computed matrix (N, K): (K, N), the batch second, which no layer computes; Gemm with transA = 1 reads it as the
/// matrix it transposes, and a second Transpose gives that matrix back.
/// </summary>
internal sealed class ImportedValue
{
    private ImportedValue(NodeRef node, Shape shape, OnnxConstant? constant, string? initializer, Pooling? pooling = null, ImportedValue? transposed = null)
    {
        Pooling = pooling;
        TransposeOf = transposed;
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

    /// <summary>The computed matrix (N, K) this value is the transpose of; its <see cref="Shape"/> is (K, N).</summary>
    public ImportedValue? TransposeOf { get; }

    public bool IsTransposed => TransposeOf is not null;
    public long[] Dims => Constant?.Dims ?? Shape.Select(d => (long)d).ToArray();

    public static ImportedValue Computed(NodeRef node, Shape shape) => new(node, shape, null, null);
    public static ImportedValue Known(OnnxConstant constant, string? initializer = null) => new(default, default, constant, initializer);
    public static ImportedValue IndicesOf(Pooling pooling, Shape poolingInput) => new(default, poolingInput, null, null, pooling);
    public static ImportedValue Transposed(ImportedValue matrix) => new(default, new Shape(matrix.Shape[1], matrix.Shape[0]), null, null, transposed: matrix);
}
