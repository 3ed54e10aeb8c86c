using MlNetConv.Backends;
using MlNetConv.Graphs;
using MlNetConv.Onnx.Import;

namespace MlNetConv.Onnx;

/// <summary>
/// Reads an ONNX model (opsets 1 to 21 of the default domain) into an ordinary <see cref="Network"/> of this engine's
/// layers: it scores, trains (every weight a trainable parameter, batch normalisation and dropout following the
/// training flag), saves with <see cref="Persistence.ModelFile"/>, exports again with <see cref="OnnxExport"/> and is
/// summarised by <see cref="Summary.ModelSummary"/>. Layers are named after the ONNX nodes, or after the common prefix of
/// their initializers (<c>layer1.0.conv1</c> for <c>layer1.0.conv1.weight</c> and <c>…bias</c>), so that a parameter
/// keeps its initializer's name where the file's naming allows it.
/// <para>
/// Operators: Conv (1-3D, groups, dilations, pads, auto_pad), ConvTranspose (output_padding, output_shape),
/// BatchNormalization (every opset; spatial, is_test, consumed_inputs, training_mode), Relu, LeakyRelu, Tanh, Sigmoid,
/// Clip, Softmax, MaxPool (ceil_mode, dilations), AveragePool (count_include_pad, ceil_mode), LpPool, GlobalAveragePool,
/// GlobalMaxPool, LRN (ONNX's window, even sizes included), Dropout, Gemm (alpha, beta, transA of a transposed matrix,
/// transB), MatMul (+ Add of a bias), Flatten, Reshape, Squeeze, Unsqueeze, Add (residual sums), Sum, Concat (channels),
/// Identity, Pad (constant, where negative pads crop; reflect and edge), Slice of the channel and spatial axes, Split of
/// any axis after the batch (split as attribute or input, num_outputs), Transpose keeping the batch first (or of a matrix
/// read by Gemm with transA), Gather with constant indices along an axis after the batch, Expand keeping the rank and
/// batch, MaxUnpool of a MaxPool's
/// Indices, Resize and Upsample (nearest and linear where the sampling positions are PyTorch's), Add, Sub, Mul, Div with
/// a constant (normalisation at the input) or between computed tensors of one shape or shapes that broadcast (one rank
/// and batch, each other dimension equal or 1: a squeeze-and-excitation gate), Pow, Sqrt, Reciprocal, Neg, and If whose
/// condition is known. Shape arithmetic (<see cref="ConstantFolder.Operators"/>) is evaluated at import for the fixed
/// sample shape.
/// </para>
/// <para>
/// Untrusted files: parsing is bounded by the file's length and a nesting limit; every tensor's stored values must match
/// its shape before it is allocated; external data must lie in a regular file inside the model's folder. A malformed
/// file throws <see cref="InvalidDataException"/> and an operator or attribute outside the list above
/// <see cref="NotSupportedException"/>, both naming the file and the node or initializer.
/// </para>
/// </summary>
public static class OnnxImport
{
    /// <summary>Reads a model file; external data is looked up in its folder.</summary>
    /// <param name="backend">where the network lives (default: the CPU backend)</param>
    public static Network Load(string path, OnnxImportOptions? options = null, IBackend? backend = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"ONNX file '{path}' does not exist.", path);
        options ??= new OnnxImportOptions();
        options = options with { ExternalDataDirectory = Path.GetDirectoryName(Path.GetFullPath(path)) };
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        return ModelImporter.Import(stream, stream.Length, path, options, backend);
    }

    /// <summary>Reads a model from a stream (to its end); external data only with <see cref="OnnxImportOptions.ExternalDataDirectory"/>.</summary>
    public static Network Load(Stream stream, OnnxImportOptions? options = null, IBackend? backend = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        long length = stream.CanSeek ? stream.Length - stream.Position : int.MaxValue;
        return ModelImporter.Import(stream, length, "(stream)", options ?? new OnnxImportOptions(), backend);
    }

    /// <summary>Reads a model held in memory.</summary>
    public static Network FromBytes(byte[] model, OnnxImportOptions? options = null, IBackend? backend = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var stream = new MemoryStream(model, writable: false);
        return ModelImporter.Import(stream, model.Length, "(bytes)", options ?? new OnnxImportOptions(), backend);
    }
}
