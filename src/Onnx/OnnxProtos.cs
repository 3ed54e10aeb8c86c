using Onnx;

namespace MlNetConv.Onnx;

/// <summary>Builders of the ONNX messages the exporter writes (classes generated from onnx.proto).</summary>
internal static class OnnxProtos
{
    public const int FloatType = (int)TensorProto.Types.DataType.Float;

    public static AttributeProto Attribute(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Attribute(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    public static AttributeProto Attribute(string name, IEnumerable<int> values) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Ints, Ints = { values.Select(v => (long)v) } };

    /// <summary>A float32 tensor in <c>float_data</c>.</summary>
    public static TensorProto FloatTensor(string name, IEnumerable<long> dims, IEnumerable<float> values) =>
        new() { Name = name, DataType = FloatType, Dims = { dims }, FloatData = { values } };

    /// <summary>An int64 tensor in <c>int64_data</c> (shapes, pads).</summary>
    public static TensorProto Int64Tensor(string name, IEnumerable<long> values)
    {
        var data = values.ToArray();
        return new() { Name = name, DataType = (int)TensorProto.Types.DataType.Int64, Dims = { data.Length }, Int64Data = { data } };
    }

    /// <summary>A float32 tensor value (N, sampleDims...) whose batch size is the symbol <c>N</c>.</summary>
    public static ValueInfoProto BatchedFloatValue(string name, IEnumerable<int> sampleDims) => new()
    {
        Name = name,
        Type = new TypeProto
        {
            TensorType = new TypeProto.Types.Tensor
            {
                ElemType = FloatType,
                Shape = new TensorShapeProto
                {
                    Dim =
                    {
                        new TensorShapeProto.Types.Dimension { DimParam = "N" },
                        sampleDims.Select(d => new TensorShapeProto.Types.Dimension { DimValue = d }),
                    },
                },
            },
        },
    };
}
