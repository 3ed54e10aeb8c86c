using Google.Protobuf;
using MlNetConv.Backends;
using MlNetConv.Backends.Cpu;
using MlNetConv.Graphs;
using Onnx;

namespace MlNetConv.Onnx.Import;

/// <summary>
/// The import's outer step: parses the ModelProto within limits, binds the default domain's opset, and turns every
/// failure into one exception naming the file.
/// </summary>
internal static class ModelImporter
{
    /// <summary>The newest opset of the default domain whose operators this importer knows.</summary>
    public const long MaxOpset = 21;

    /// <summary>Nesting of messages (graphs in attributes in nodes in graphs, types in types): Google.Protobuf's default.</summary>
    private const int RecursionLimit = 100;

    public static Network Import(Stream stream, long length, string file, OnnxImportOptions options, IBackend? backend)
    {
        try
        {
            var model = Parse(stream, length);
            return new GraphImporter(model, Opset(model), options, backend ?? CpuBackend.Default).Import();
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"ONNX file '{file}': {e.Message}", e);
        }
        catch (NotSupportedException e)
        {
            throw new NotSupportedException($"ONNX file '{file}': {e.Message}", e);
        }
    }

    /// <summary>The model, reading at most <paramref name="length"/> bytes: a length field past the end is a truncated file.</summary>
    private static ModelProto Parse(Stream stream, long length)
    {
        if (length <= 0) throw new InvalidDataException("the file is empty: not an ONNX model.");
        try
        {
            var input = CodedInputStream.CreateWithLimits(stream, (int)Math.Clamp(length, 0, int.MaxValue), RecursionLimit);
            var model = new ModelProto();
            model.MergeFrom(input);
            return model;
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidDataException($"not a valid ONNX model (protobuf: {e.Message})", e);
        }
    }

    /// <summary>The version of the default domain ("" or "ai.onnx") that the model imports.</summary>
    private static long Opset(ModelProto model)
    {
        var imports = model.OpsetImport.Where(o => o.Domain is "" or "ai.onnx").ToArray();
        if (imports.Length == 0) throw new InvalidDataException("the model imports no opset of the default ONNX domain.");
        long version = imports.Max(o => o.Version);
        if (version < 1) throw new InvalidDataException($"the model imports opset {version} of the default domain.");
        if (version > MaxOpset) throw new NotSupportedException($"the model imports opset {version}; this importer knows opsets 1 to {MaxOpset}.");
        return version;
    }
}
