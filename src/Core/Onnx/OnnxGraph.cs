namespace MlNetConv.Onnx;

/// <summary>An attribute of an ONNX node: exactly one of an int, a float or a list of ints.</summary>
internal sealed record OnnxAttribute(string Name, long? Int = null, float? Float = null, long[]? Ints = null)
{
    public static OnnxAttribute Of(string name, long value) => new(name, Int: value);
    public static OnnxAttribute Of(string name, float value) => new(name, Float: value);
    public static OnnxAttribute Of(string name, IEnumerable<int> values) => new(name, Ints: values.Select(v => (long)v).ToArray());
}

/// <summary>One operator application: <c>outputs = OpType(inputs; attributes)</c>.</summary>
internal sealed record OnnxNode(string OpType, string Name, string[] Inputs, string[] Outputs, OnnxAttribute[] Attributes);

/// <summary>A constant float tensor of the graph (a weight, a bias, a running statistic).</summary>
internal sealed record OnnxInitializer(string Name, long[] Dims, float[] Values);

/// <summary>A graph input or output: a float tensor whose first dimension is the symbolic batch size <c>N</c>.</summary>
internal sealed record OnnxValueInfo(string Name, int[] SampleDims);

/// <summary>
/// An ONNX model being written: nodes in topological order, initializers, one input and the outputs, serialised as a
/// <c>ModelProto</c> (onnx.proto field numbers below) with the standard operator set only.
/// </summary>
internal sealed class OnnxGraph
{
    // TensorProto.DataType.FLOAT and AttributeProto.AttributeType values.
    private const int FloatType = 1, AttributeFloat = 1, AttributeInt = 2, AttributeInts = 7;

    public List<OnnxNode> Nodes { get; } = [];
    public List<OnnxInitializer> Initializers { get; } = [];
    public List<OnnxValueInfo> Inputs { get; } = [];
    public List<OnnxValueInfo> Outputs { get; } = [];

    /// <summary>Serialises the model: IR version, operator set, producer, and the graph.</summary>
    public void WriteModel(Stream destination, string graphName, long irVersion, long opsetVersion, string producerVersion)
    {
        var model = new ProtobufWriter();
        model.Int64(1, irVersion);                                   // ModelProto.ir_version
        model.String(2, "MlNetConv");                                // producer_name
        model.String(3, producerVersion);                            // producer_version
        model.Message(7, WriteGraph(graphName));                     // graph
        model.Message(8, opset => opset.Int64(2, opsetVersion));     // opset_import: default domain, version
        model.WriteTo(destination);
    }

    private Action<ProtobufWriter> WriteGraph(string name) => graph =>
    {
        foreach (var node in Nodes) graph.Message(1, n => WriteNode(n, node));          // GraphProto.node
        graph.String(2, name);                                                          // name
        foreach (var init in Initializers) graph.Message(5, t => WriteTensor(t, init)); // initializer
        foreach (var input in Inputs) graph.Message(11, v => WriteValueInfo(v, input)); // input
        foreach (var output in Outputs) graph.Message(12, v => WriteValueInfo(v, output)); // output
    };

    private static void WriteNode(ProtobufWriter w, OnnxNode node)
    {
        foreach (var input in node.Inputs) w.String(1, input);     // NodeProto.input
        foreach (var output in node.Outputs) w.String(2, output);  // output
        w.String(3, node.Name);                                    // name
        w.String(4, node.OpType);                                  // op_type
        foreach (var attribute in node.Attributes) w.Message(5, a => WriteAttribute(a, attribute));
    }

    private static void WriteAttribute(ProtobufWriter w, OnnxAttribute attribute)
    {
        w.String(1, attribute.Name);                               // AttributeProto.name
        if (attribute.Int is { } i)
        {
            w.Int64(20, AttributeInt);                             // type
            w.Int64(3, i);                                         // i
        }
        else if (attribute.Float is { } f)
        {
            w.Int64(20, AttributeFloat);
            w.Float(2, f);                                         // f
        }
        else
        {
            w.Int64(20, AttributeInts);
            w.PackedInt64s(8, attribute.Ints ?? []);               // ints
        }
    }

    private static void WriteTensor(ProtobufWriter w, OnnxInitializer tensor)
    {
        w.PackedInt64s(1, tensor.Dims);                            // TensorProto.dims
        w.Int64(2, FloatType);                                     // data_type
        w.PackedFloats(4, tensor.Values);                          // float_data
        w.String(8, tensor.Name);                                  // name
    }

    private static void WriteValueInfo(ProtobufWriter w, OnnxValueInfo value)
    {
        w.String(1, value.Name);                                   // ValueInfoProto.name
        w.Message(2, type => type.Message(1, tensor =>             // type.tensor_type
        {
            tensor.Int64(1, FloatType);                            // elem_type
            tensor.Message(2, shape =>                             // shape
            {
                shape.Message(1, dim => dim.String(2, "N"));       // dim { dim_param: "N" }
                foreach (int d in value.SampleDims) shape.Message(1, dim => dim.Int64(1, d)); // dim { dim_value }
            });
        }));
    }
}
