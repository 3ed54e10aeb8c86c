using Google.Protobuf;
using MlNetConv.Graphs;
using MlNetConv.Onnx;
using MlNetConv.Preprocessing;
using MlNetConv.Tensors;
using Onnx;

namespace MlNetConv.Fuzz;

/// <summary>
/// An ONNX model read by <see cref="OnnxImport"/>: a small exported CNN with normalisation and softmax. Damaged bytes,
/// and forgeries that stay valid protobuf: dimensions, attributes, operator types, value names and tensor data edited
/// in the parsed model and written again, so that only the importer's own checks stand in the way.
/// </summary>
public sealed class OnnxModelTarget : FuzzTarget
{
    private static readonly long[] Boundaries = [0, -1, 1, 2, 7, int.MaxValue, (long)int.MaxValue + 1, 1L << 40, long.MaxValue, long.MinValue];
    private static readonly string[] Operators = ["Conv", "Gemm", "Reshape", "MaxPool", "AveragePool", "Concat", "Slice", "Resize", "Pad", "Softmax", "If", "Einsum", "Shape", "Mul", "Split", "Transpose", "Gather", "LRN"];
    private readonly float[] _input = [.. Enumerable.Range(0, 2 * 2 * 9 * 9).Select(i => MathF.Sin(i * 0.29f))];
    private readonly float[] _expected;

    public OnnxModelTarget()
    {
        var architecture = new NetworkBuilder()
            .Conv2d(4, 3, padding: 1, name: "conv1").BatchNorm2d(name: "bn1").ReLU().MaxPool2d(3, 2, ceilMode: true)
            .Conv2d(4, (1, 3), groups: 2, name: "conv2").AvgPool2d(2, ceilMode: true).Flatten().Dense(3, name: "fc")
            .Build("fuzz");
        using var network = new Network(architecture, new Shape(2, 9, 9), seed: 5);
        var options = new OnnxExportOptions { Normalization = new ChannelNormalization([0.5f, 0.2f], [2f, 3f]), Softmax = true };
        Original = OnnxExport.ToBytes(network, options);
        using var imported = OnnxImport.FromBytes(Original);
        _expected = imported.Predict(_input);
    }

    public override string Name => "onnx-model";
    public override byte[] Original { get; }

    public override byte[] Mutate(Random random) => random.Next(2) == 0 ? Mutations.AnyBytes(Original, random) : Forged(random);

    public override bool ReadsAsOriginal(byte[] bytes)
    {
        using var network = OnnxImport.FromBytes(bytes);
        return network.SampleShape == new Shape(2, 9, 9) && network.Predict(_input).AsSpan().SequenceEqual(_expected);
    }

    public override bool IsClean(Exception e) => e is InvalidDataException or NotSupportedException;

    /// <summary>One field of the parsed model edited, the model written again.</summary>
    private byte[] Forged(Random random)
    {
        var model = ModelProto.Parser.ParseFrom(Original);
        var graph = model.Graph;
        var node = graph.Node[random.Next(graph.Node.Count)];
        var tensor = graph.Initializer[random.Next(graph.Initializer.Count)];
        long Boundary() => Boundaries[random.Next(Boundaries.Length)];
        switch (random.Next(8))
        {
            case 0:
                if (tensor.Dims.Count > 0) tensor.Dims[random.Next(tensor.Dims.Count)] = Boundary();
                else tensor.Dims.Add(Boundary());
                break;
            case 1:
                var attribute = node.Attribute.Count > 0 ? node.Attribute[random.Next(node.Attribute.Count)] : null;
                if (attribute is { Ints.Count: > 0 }) attribute.Ints[random.Next(attribute.Ints.Count)] = Boundary();
                else if (attribute is not null) attribute.I = Boundary();
                break;
            case 2:
                node.OpType = Operators[random.Next(Operators.Length)];
                break;
            case 3:
                var names = graph.Node.SelectMany(n => n.Output).Concat(graph.Initializer.Select(t => t.Name)).Append("").Append("missing").ToArray();
                if (node.Input.Count > 0) node.Input[random.Next(node.Input.Count)] = names[random.Next(names.Length)];
                break;
            case 4:
                int keep = random.Next(tensor.FloatData.Count + 1);
                var values = tensor.FloatData.Take(keep).ToArray();
                tensor.FloatData.Clear();
                if (random.Next(2) == 0) tensor.FloatData.Add(values);
                else tensor.RawData = ByteString.CopyFrom(values.SelectMany(BitConverter.GetBytes).ToArray());
                break;
            case 5:
                var dims = graph.Input[0].Type.TensorType.Shape.Dim;
                dims[random.Next(dims.Count)].DimValue = Boundary();
                break;
            case 6:
                tensor.DataType = random.Next(25);
                break;
            default:
                model.OpsetImport[0].Version = Boundary();
                break;
        }
        return model.ToByteArray();
    }
}
