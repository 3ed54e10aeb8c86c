using Google.Protobuf;
using MlNetConv.Tensors;
using Onnx;
using static MlNetConv.Onnx.OnnxProtos;

namespace MlNetConv.Onnx.Tests;

/// <summary>A graph written node by node: input x (N, sample...), random initializers, outputs in the order given.</summary>
internal sealed class OnnxGraph
{
    private readonly GraphProto _graph = new();
    private readonly RandomStream _random = new(19);
    private readonly int _opset;
    private readonly int[] _sample;
    private int _values;

    public OnnxGraph(int opset, int[] sample)
    {
        (_opset, _sample) = (opset, sample);
        _graph.Input.Add(BatchedFloatValue("x", sample));
    }

    public OnnxGraph Then(Action<OnnxGraph> body)
    {
        body(this);
        return this;
    }

    public long[] InputDims(int batch) => [batch, .. _sample.Select(d => (long)d)];

    public float[] Input(int batch, ulong seed)
    {
        var random = new RandomStream(seed);
        return Enumerable.Range(0, batch * _sample.Aggregate(1, (a, d) => a * d)).Select(_ => random.NextFloat() * 2 - 1).ToArray();
    }

    public string Floats(params long[] dims)
    {
        string name = $"w{_values++}";
        _graph.Initializer.Add(FloatTensor(name, dims, Enumerable.Range(0, (int)dims.Aggregate(1L, (a, d) => a * d)).Select(_ => _random.NextFloat() - 0.5f)));
        return name;
    }

    public string Ints(params long[] values) => IntMatrix([values.Length], values);

    public string Scalar(long value) => IntMatrix([], value);

    public string IntMatrix(long[] dims, params long[] values)
    {
        string name = $"i{_values++}";
        _graph.Initializer.Add(new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64, Dims = { dims }, Int64Data = { values } });
        return name;
    }

    public string Op(string op, string[] inputs, params AttributeProto[] attributes) => Ops(op, inputs, 1, attributes)[0];

    public string[] Ops(string op, string[] inputs, int outputs, params AttributeProto[] attributes)
    {
        var names = Enumerable.Range(0, outputs).Select(_ => $"v{_values++}").ToArray();
        _graph.Node.Add(OnnxModels.Node(op, inputs, names, attributes));
        return names;
    }

    /// <summary>x · sigmoid(W2 relu(W1 pool(x))) as torch exports a squeeze-and-excitation block: the gate (N, C, 1, 1) by Unsqueeze.</summary>
    public string SqueezeExcitation(string x, int channels)
    {
        var squeezed = Op("Flatten", [Op("GlobalAveragePool", [x])], Attribute("axis", 1L));
        var hidden = Op("Relu", [Op("Gemm", [squeezed, Floats(2, channels), Floats(2)], Attribute("transB", 1L))]);
        var excited = Op("Sigmoid", [Op("Gemm", [hidden, Floats(channels, 2), Floats(channels)], Attribute("transB", 1L))]);
        return Op("Mul", [x, Op("Unsqueeze", [excited, Ints(2, 3)])]);
    }

    public void Output(string name) =>
        _graph.Output.Add(new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = FloatType } } });

    public byte[] Build(string name)
    {
        _graph.Name = name;
        return OnnxModels.Model(_graph, _opset).ToByteArray();
    }
}
