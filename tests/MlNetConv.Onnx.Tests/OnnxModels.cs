using Google.Protobuf;
using MlNetConv.Geometry;
using MlNetConv.Graphs;
using MlNetConv.Preprocessing;
using MlNetConv.Tensors;
using Onnx;
using static MlNetConv.Onnx.OnnxProtos;

namespace MlNetConv.Onnx.Tests;

/// <summary>Small ONNX models for the import tests: exported networks, and graphs written node by node as other exporters write them.</summary>
internal static class OnnxModels
{
    /// <summary>A tiny network (about 2 KB exported) with normalisation, convolution, batch norm, pooling, a dense layer and softmax.</summary>
    public static byte[] Tiny()
    {
        var architecture = new NetworkBuilder()
            .Conv2d(3, 3, padding: 1).BatchNorm2d().ReLU().MaxPool2d(2, 2, Padding.FromPads(0, 0, 1, 1))
            .Conv2d(4, (1, 3), groups: 1).LeakyReLU(0.2f).AvgPool2d(2, ceilMode: true).Flatten().Dense(3)
            .Build("tiny");
        using var network = new Network(architecture, new Shape(2, 7, 7), seed: 4);
        return OnnxExport.ToBytes(network, new OnnxExportOptions { Normalization = new ChannelNormalization([0.5f, 0.25f], [2f, 4f]), Softmax = true });
    }

    public static ModelProto Parse(byte[] bytes) => ModelProto.Parser.ParseFrom(bytes);

    /// <summary>
    /// PyTorch's traced <c>x.view(x.size(0), -1)</c> before a classifier, at <paramref name="opset"/> (Unsqueeze's axes an
    /// attribute before 13, an input from 13): Conv → Relu → Shape → Gather(0) → Unsqueeze → Concat with a Constant [-1]
    /// → Reshape → Gemm (transB 0, alpha 0.5, beta 2), a Constant node for the bias, the initializers also graph inputs
    /// (IR 3) and stored as raw_data. Input (N, 2, 5, 5), batch symbolic.
    /// </summary>
    public static byte[] ShapeArithmetic(int opset)
    {
        var random = new RandomStream(21);
        float[] Values(int n) => Enumerable.Range(0, n).Select(_ => random.NextFloat() - 0.5f).ToArray();
        var graph = new GraphProto { Name = "traced" };
        graph.Input.Add(BatchedFloatValue("x", [2, 5, 5]));
        graph.Initializer.Add(RawFloats("conv.weight", [3, 2, 3, 3], Values(54)));
        graph.Initializer.Add(RawFloats("fc.weight", [75, 4], Values(300)));
        foreach (var t in graph.Initializer) graph.Input.Add(new ValueInfoProto { Name = t.Name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = FloatType } } });
        graph.Initializer.Add(new TensorProto { Name = "zero", DataType = (int)TensorProto.Types.DataType.Int64, Dims = { }, Int64Data = { 0 } });
        graph.Node.Add(Node("Conv", ["x", "conv.weight"], ["c"], Attribute("pads", [1, 1, 1, 1])));
        graph.Node.Add(Node("Relu", ["c"], ["r"]));
        graph.Node.Add(Node("Shape", ["r"], ["shape"]));
        graph.Node.Add(Node("Gather", ["shape", "zero"], ["batch"], Attribute("axis", 0L)));
        if (opset >= 13)
        {
            graph.Node.Add(Node("Constant", [], ["axes"], new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = new TensorProto { DataType = 7, Dims = { 1 }, Int64Data = { 0 } } }));
            graph.Node.Add(Node("Unsqueeze", ["batch", "axes"], ["batch1"]));
        }
        else graph.Node.Add(Node("Unsqueeze", ["batch"], ["batch1"], Attribute("axes", [0])));
        graph.Node.Add(Node("Constant", [], ["minus_one"], new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = new TensorProto { DataType = 7, Dims = { 1 }, RawData = ByteString.CopyFrom(BitConverter.GetBytes(-1L)) } }));
        graph.Node.Add(Node("Concat", ["batch1", "minus_one"], ["target"], Attribute("axis", 0L)));
        graph.Node.Add(Node("Reshape", ["r", "target"], ["flat"]));
        graph.Node.Add(Node("Constant", [], ["fc.bias"], new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = FloatTensor("b", [4], Values(4)) }));
        graph.Node.Add(Node("Gemm", ["flat", "fc.weight", "fc.bias"], ["y"], Attribute("alpha", 0.5f), Attribute("beta", 2f)));
        graph.Output.Add(BatchedFloatValue("y", [4]));
        return Model(graph, opset, irVersion: 3).ToByteArray();
    }

    /// <summary>
    /// Operators on tensors the network computes (opset 13): Split of the channels, Concat in another order, a channel
    /// Gather with a repeat, a Transpose to channels last and back, a squeeze-and-excitation gate (a broadcasting Mul), a
    /// reflect Pad and an LRN of even size, then a Gemm that reads a transposed matrix. Input (N, 3, 6, 6), batch symbolic.
    /// </summary>
    public static byte[] ComputedTensors() => new OnnxGraph(13, [3, 6, 6]).Then(g =>
    {
        var rgb = g.Ops("Split", ["x", g.Ints(1, 2)], 2, Attribute("axis", 1L));
        var bgr = g.Op("Concat", [rgb[1], g.Op("Gather", [rgb[0], g.Ints(0, 0)], Attribute("axis", 1L))], Attribute("axis", 1L));
        var turned = g.Op("Transpose", [g.Op("Sigmoid", [g.Op("Transpose", [bgr], Attribute("perm", [0, 2, 3, 1]))])], Attribute("perm", [0, 3, 1, 2]));
        var gated = g.SqueezeExcitation(turned, 4);
        var padded = g.Op("Pad", [gated, g.Ints(0, 0, 1, 2, 0, 0, 2, 1)], new AttributeProto { Name = "mode", Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8("reflect") });
        var normalised = g.Op("LRN", [padded], Attribute("size", 2L));
        var flat = g.Op("Flatten", [g.Op("GlobalAveragePool", [normalised])], Attribute("axis", 1L));
        g.Output(g.Op("Gemm", [g.Op("Transpose", [flat]), g.Floats(4, 3)], Attribute("transA", 1L)));
    }).Build("computed");

    public static ModelProto Model(GraphProto graph, int opset, long irVersion = 8) =>
        new() { IrVersion = irVersion, ProducerName = "tests", Graph = graph, OpsetImport = { new OperatorSetIdProto { Version = opset } } };

    public static NodeProto Node(string op, string[] inputs, string[] outputs, params AttributeProto[] attributes) =>
        new() { OpType = op, Name = outputs[0] + "_node", Input = { inputs }, Output = { outputs }, Attribute = { attributes } };

    public static TensorProto RawFloats(string name, long[] dims, float[] values) => new()
    {
        Name = name, DataType = FloatType, Dims = { dims },
        RawData = ByteString.CopyFrom(values.SelectMany(BitConverter.GetBytes).ToArray()),
    };
}
