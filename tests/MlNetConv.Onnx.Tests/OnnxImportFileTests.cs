using Google.Protobuf;
using MlNetConv.Tensors;
using MlNetConv.Tests.Shared;
using Onnx;

namespace MlNetConv.Onnx.Tests;

/// <summary>What real files hold (typed and raw data, constants, shape arithmetic, external data) and what broken ones get.</summary>
public sealed class OnnxImportFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("onnx-import-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Theory]
    [InlineData(9)]
    [InlineData(11)]
    [InlineData(13)]
    [InlineData(17)]
    public void TracedViewBeforeGemmFoldsToAReshapeAndMatchesOnnxRuntime(int opset)
    {
        var model = OnnxModels.ShapeArithmetic(opset);
        using var network = OnnxImport.FromBytes(model);
        Assert.Equal([2, 5, 5], network.SampleShape);
        var random = new RandomStream(5);
        var input = Enumerable.Range(0, 3 * 50).Select(_ => random.NextFloat() * 2 - 1).ToArray();
        var theirs = OnnxRuntimeCheck.Outputs(model, "x", input, [3, 2, 5, 5])[0];
        OnnxRuntimeCheck.AssertClose(theirs, network.Predict(input), 1e-5);
        // Initializer names are kept: conv.weight and fc.weight (the bias came from a Constant node, so the layer is the node's).
        Assert.Contains(network.Parameters, p => p.Name == "conv.weight");
        Assert.Contains(network.Parameters, p => p.Name.EndsWith(".weight", StringComparison.Ordinal) && p.Shape == new Shape(4, 75));
    }

    [Fact]
    public void ExternalDataBesideTheModelGivesTheSameNetwork()
    {
        var bytes = OnnxModels.Tiny();
        using var inline = OnnxImport.FromBytes(bytes);
        string path = WriteExternal(bytes, "weights.bin");
        using var external = OnnxImport.Load(path);
        var random = new RandomStream(3);
        var input = Enumerable.Range(0, 2 * inline.SampleShape.Size).Select(_ => random.NextFloat()).ToArray();
        Assert.Equal(inline.Predict(input), external.Predict(input));
    }

    [Theory]
    [InlineData("../weights.bin", "may not contain '..'")]
    [InlineData("/etc/hostname", "must be relative")]
    [InlineData("missing.bin", "does not exist")]
    [InlineData("link.bin", "symbolic link")]
    public void BadExternalDataLocationsAreRefusedNamingTheFileAndInitializer(string location, string reason)
    {
        string path = WriteExternal(OnnxModels.Tiny(), "weights.bin");
        File.CreateSymbolicLink(Path.Combine(_folder, "link.bin"), Path.Combine(_folder, "weights.bin"));
        var model = OnnxModels.Parse(File.ReadAllBytes(path));
        var tensor = model.Graph.Initializer.First(t => t.DataLocation == TensorProto.Types.DataLocation.External);
        tensor.ExternalData.Single(e => e.Key == "location").Value = location;
        File.WriteAllBytes(path, model.ToByteArray());
        var error = Assert.Throws<InvalidDataException>(() => OnnxImport.Load(path));
        Assert.Contains(path, error.Message);
        Assert.Contains($"initializer '{tensor.Name}'", error.Message);
        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public void ExternalDataOutsideItsFileIsRefused()
    {
        string path = WriteExternal(OnnxModels.Tiny(), "weights.bin");
        var model = OnnxModels.Parse(File.ReadAllBytes(path));
        var tensor = model.Graph.Initializer.First(t => t.DataLocation == TensorProto.Types.DataLocation.External);
        tensor.ExternalData.Single(e => e.Key == "offset").Value = "1000000";
        File.WriteAllBytes(path, model.ToByteArray());
        var error = Assert.Throws<InvalidDataException>(() => OnnxImport.Load(path));
        Assert.Contains($"initializer '{tensor.Name}'", error.Message);
        Assert.Contains("past the end", error.Message);
    }

    [Fact]
    public void TruncatedFileNamesItself()
    {
        var bytes = OnnxModels.Tiny();
        string path = Path.Combine(_folder, "truncated.onnx");
        File.WriteAllBytes(path, bytes[..(bytes.Length * 2 / 3)]);
        var error = Assert.Throws<InvalidDataException>(() => OnnxImport.Load(path));
        Assert.StartsWith($"ONNX file '{path}'", error.Message);
        Assert.Contains("not a valid ONNX model", error.Message);
    }

    [Fact]
    public void EmptyFilesAndGraphsWithoutOutputsAreInvalid()
    {
        Assert.Contains("the file is empty", Assert.Throws<InvalidDataException>(() => OnnxImport.FromBytes([])).Message);
        var model = OnnxModels.Parse(OnnxModels.Tiny());
        model.Graph.Output.Clear();
        Assert.Contains("the graph has no outputs", Assert.Throws<InvalidDataException>(() => OnnxImport.FromBytes(model.ToByteArray())).Message);
    }

    [Fact]
    public void AbsurdDimensionsAndWrongByteCountsNameTheInitializer()
    {
        var model = OnnxModels.Parse(OnnxModels.Tiny());
        var weight = model.Graph.Initializer.First(t => t.Dims.Count == 4);
        weight.Dims[0] = 1L << 40;
        var error = Assert.Throws<InvalidDataException>(() => OnnxImport.FromBytes(model.ToByteArray()));
        Assert.Contains($"initializer '{weight.Name}'", error.Message);
        Assert.Contains("more than", error.Message);

        weight.Dims[0] = -3;
        error = Assert.Throws<InvalidDataException>(() => OnnxImport.FromBytes(model.ToByteArray()));
        Assert.Contains("negative dimension", error.Message);

        weight.Dims[0] = 1000;
        error = Assert.Throws<InvalidDataException>(() => OnnxImport.FromBytes(model.ToByteArray()));
        Assert.Contains($"initializer '{weight.Name}' has shape [1000, ", error.Message);
        Assert.Contains("stores", error.Message);

        var raw = OnnxModels.RawFloats(weight.Name, [3, 2, 3, 3], new float[53]);
        model.Graph.Initializer[model.Graph.Initializer.IndexOf(weight)] = raw;
        error = Assert.Throws<InvalidDataException>(() => OnnxImport.FromBytes(model.ToByteArray()));
        Assert.Contains("212 bytes of raw_data", error.Message);
    }

    [Fact]
    public void UnsupportedOperatorNamesNodeTypeAndOpsetAndListsWhatIsSupported()
    {
        var model = OnnxModels.Parse(OnnxModels.Tiny());
        var relu = model.Graph.Node.First(n => n.OpType == "Relu");
        relu.OpType = "Einsum";
        var error = Assert.Throws<NotSupportedException>(() => OnnxImport.FromBytes(model.ToByteArray()));
        Assert.Contains($"node '{relu.Name}' (Einsum, opset 17)", error.Message);
        Assert.Contains("Supported operators: Conv, ConvTranspose", error.Message);
    }

    [Fact]
    public void UnsortedNodesAndNewerOpsetsAreNamed()
    {
        var model = OnnxModels.Parse(OnnxModels.Tiny());
        var last = model.Graph.Node[^1];
        model.Graph.Node.RemoveAt(model.Graph.Node.Count - 1);
        model.Graph.Node.Insert(0, last);
        var error = Assert.Throws<InvalidDataException>(() => OnnxImport.FromBytes(model.ToByteArray()));
        Assert.Contains("sorted topologically", error.Message);

        model = OnnxModels.Parse(OnnxModels.Tiny());
        model.OpsetImport[0].Version = 23;
        Assert.Contains("opset 23", Assert.Throws<NotSupportedException>(() => OnnxImport.FromBytes(model.ToByteArray())).Message);
    }

    /// <summary>Moves every float initializer of <paramref name="bytes"/> into one file beside the model, 16-byte aligned; returns the model's path.</summary>
    private string WriteExternal(byte[] bytes, string dataFile)
    {
        var model = OnnxModels.Parse(bytes);
        using var data = new MemoryStream();
        foreach (var tensor in model.Graph.Initializer)
        {
            var values = tensor.FloatData.SelectMany(BitConverter.GetBytes).ToArray();
            while (data.Length % 16 != 0) data.WriteByte(0);
            long offset = data.Length;
            data.Write(values);
            tensor.FloatData.Clear();
            tensor.DataLocation = TensorProto.Types.DataLocation.External;
            tensor.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = dataFile });
            tensor.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = offset.ToString() });
            tensor.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = values.Length.ToString() });
        }
        File.WriteAllBytes(Path.Combine(_folder, dataFile), data.ToArray());
        string path = Path.Combine(_folder, "model.onnx");
        File.WriteAllBytes(path, model.ToByteArray());
        return path;
    }
}
