using Google.Protobuf;
using MlNetConv.Tensors;
using MlNetConv.Tests.Shared;
using Onnx;
using static MlNetConv.Onnx.OnnxProtos;

namespace MlNetConv.Onnx.Tests;

/// <summary>One small graph per operator form, as exporters write them, imported and run beside ONNX Runtime.</summary>
public sealed class OperatorImportTests
{
    private static readonly RandomStream Random = new(31);

    private static OnnxConstantSpec Weights(string name, params long[] dims) =>
        new(name, dims, Enumerable.Range(0, (int)dims.Aggregate(1L, (a, d) => a * d)).Select(_ => Random.NextFloat() - 0.5f).ToArray());

    private static OnnxConstantSpec Positive(string name, params long[] dims) =>
        new(name, dims, Enumerable.Range(0, (int)dims.Aggregate(1L, (a, d) => a * d)).Select(_ => 0.5f + Random.NextFloat()).ToArray());

    private static OnnxConstantSpec Ints(string name, params long[] values) => new(name, [values.Length], null, values);

    private static AttributeProto A(string name, long value) => Attribute(name, value);
    private static AttributeProto A(string name, float value) => Attribute(name, value);
    private static AttributeProto A(string name, params int[] values) => Attribute(name, values);
    private static AttributeProto S(string name, string value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    /// <summary>name → (opset, sample shape, node inputs after x, constants, attributes, operator).</summary>
    public static TheoryData<string> Cases => [.. Definitions.Keys];

    private static readonly Dictionary<string, Func<Case>> Definitions = new()
    {
        ["conv_same_upper_strided"] = () => new(17, [2, 9, 8], "Conv", [Weights("w", 4, 2, 3, 2), Weights("b", 4)], [S("auto_pad", "SAME_UPPER"), A("strides", 2, 1)]),
        ["conv_same_lower_grouped_1d"] = () => new(11, [4, 11], "Conv", [Weights("w", 6, 2, 4)], [S("auto_pad", "SAME_LOWER"), A("group", 2L), A("strides", 2)]),
        ["conv3d_pads"] = () => new(13, [2, 4, 5, 6], "Conv", [Weights("w", 3, 2, 2, 3, 2)], [A("pads", 1, 0, 1, 0, 2, 1)]),
        ["conv_transpose_output_shape"] = () => new(17, [3, 4, 5], "ConvTranspose", [Weights("w", 3, 2, 3, 3), Weights("b", 2)], [A("strides", 2, 2), A("output_shape", 8, 10)]),
        ["conv_transpose_pads_output_padding"] = () => new(11, [2, 4, 4], "ConvTranspose", [Weights("w", 2, 3, 3, 3)], [A("strides", 2, 2), A("pads", 1, 0, 1, 1), A("output_padding", 1, 0)]),
        ["batchnorm_opset7"] = () => new(7, [3, 4, 4], "BatchNormalization", [Weights("s", 3), Weights("b", 3), Weights("m", 3), Positive("v", 3)], [A("epsilon", 1e-3f), A("spatial", 1L)]),
        ["batchnorm_opset15"] = () => new(15, [3, 4, 4], "BatchNormalization", [Weights("s", 3), Weights("b", 3), Weights("m", 3), Positive("v", 3)], [A("momentum", 0.8f)]),
        ["maxpool_ceil_dilated"] = () => new(12, [2, 9, 9], "MaxPool", [], [A("kernel_shape", 3, 2), A("strides", 2, 2), A("dilations", 1, 2), A("ceil_mode", 1L)]),
        ["avgpool_count_include_pad"] = () => new(11, [2, 7, 6], "AveragePool", [], [A("kernel_shape", 3, 3), A("strides", 2, 2), A("pads", 1, 1, 1, 0), A("count_include_pad", 1L)]),
        ["avgpool_exclude_pad_same"] = () => new(17, [2, 7, 6], "AveragePool", [], [A("kernel_shape", 3, 2), A("strides", 2, 2), S("auto_pad", "SAME_UPPER")]),
        ["lppool_p2"] = () => new(11, [2, 7, 6], "LpPool", [], [A("kernel_shape", 3, 2), A("strides", 2, 2), A("p", 2L)]),
        ["lppool_p3_pads"] = () => new(11, [2, 7, 6], "LpPool", [], [A("kernel_shape", 3, 3), A("strides", 2, 1), A("pads", 1, 1, 1, 0), A("p", 3L)]),
        ["global_max_pool"] = () => new(13, [3, 5, 4], "GlobalMaxPool", [], []),
        ["lrn"] = () => new(13, [7, 3, 3], "LRN", [], [A("size", 5L), A("alpha", 2e-3f), A("beta", 0.7f), A("bias", 1.5f)]),
        ["clip_relu6_inputs"] = () => new(13, [2, 3, 3], "Clip", [new("lo", [], [0f]), new("hi", [], [0.3f])], []),
        ["clip_attributes"] = () => new(6, [2, 3, 3], "Clip", [], [A("min", -0.2f), A("max", 0.1f)]),
        ["softmax_opset11_flat"] = () => new(11, [6], "Softmax", [], []),
        ["softmax_opset13_channels"] = () => new(13, [4, 3, 2], "Softmax", [], [A("axis", 1L)]),
        ["pad_constant_opset11"] = () => new(11, [2, 3, 4], "Pad", [Ints("pads", 0, 0, 1, 2, 0, 0, 2, 0), new("value", [], [0.25f])], []),
        ["pad_crop_opset18_axes"] = () => new(18, [2, 5, 4], "Pad", [Ints("pads", 1, -1, 0, 2), new("value", [], [0f]), Ints("axes", 2, 3)], []),
        ["pad_attribute_opset2"] = () => new(2, [2, 3, 4], "Pad", [], [A("pads", 0, 0, 1, 0, 0, 0, 0, 3), A("value", -1f)]),
        ["resize_nearest_half_pixel"] = () => new(13, [2, 3, 4], "Resize", [new("roi", [0], []), new("scales", [4], [1, 1, 2, 3])], [S("mode", "nearest")]),
        ["resize_nearest_asymmetric_floor"] = () => new(11, [2, 3, 4], "Resize", [new("roi", [0], []), new("scales", [4], [1, 1, 2, 2])], [S("mode", "nearest"), S("coordinate_transformation_mode", "asymmetric"), S("nearest_mode", "floor")]),
        ["resize_linear_half_pixel"] = () => new(13, [2, 3, 4], "Resize", [new("roi", [0], []), new("scales", [4], [1, 1, 2, 2])], [S("mode", "linear")]),
        ["resize_linear_align_corners_sizes"] = () => new(13, [2, 3, 4], "Resize", [new("roi", [0], []), new("scales", [0], []), Ints("sizes", 3, 2, 7, 9)], [S("mode", "linear"), S("coordinate_transformation_mode", "align_corners")]),
        ["upsample_opset9_nearest"] = () => new(9, [2, 3, 4], "Upsample", [new("scales", [4], [1, 1, 2, 2])], [S("mode", "nearest")]),
        ["sub_mean_image_then"] = () => new(13, [3, 4, 4], "Sub", [Weights("mean", 1, 3, 4, 4)], []),
        ["div_per_channel"] = () => new(13, [3, 4, 4], "Div", [Positive("std", 3, 1, 1)], []),
        ["constant_minus_x"] = () => new(13, [3, 2, 2], "Sub", [Weights("c", 1)], [], ConstantFirst: true),
        ["mul_broadcast_width"] = () => new(13, [2, 3, 4], "Mul", [Weights("k", 4)], []),
        ["dropout_opset12"] = () => new(12, [2, 3, 3], "Dropout", [new("ratio", [], [0.3f])], []),
        ["flatten_then_matmul_add"] = () => new(13, [2, 2, 3], "Flatten", [], [A("axis", 1L)]) { Then = ["MatMul", "Add"], ThenConstants = [Weights("mm", 12, 5), Weights("bias", 5)] },
        ["gemm_transposed_b"] = () => new(13, [6], "Gemm", [Weights("w", 4, 6), Weights("c", 1, 4)], [A("transB", 1L), A("alpha", 2f), A("beta", 0.5f)]),
        ["unsqueeze_squeeze"] = () => new(13, [6, 5], "Unsqueeze", [Ints("axes", 2)], []) { Then = ["Squeeze"], ThenConstants = [Ints("axes2", 2)] },
        ["reshape_to_rank5"] = () => new(14, [6, 4], "Reshape", [Ints("shape", 0, 2, 3, 2, -1)], []),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesOnnxRuntime(string name)
    {
        var c = Definitions[name]();
        var model = c.Build(name);
        using var network = OnnxImport.FromBytes(model);
        const int batch = 3;
        var input = Enumerable.Range(0, batch * c.Sample.Aggregate(1, (a, d) => a * d)).Select(_ => Random.NextFloat() * 2 - 1).ToArray();
        var theirs = OnnxRuntimeCheck.Outputs(model, "x", input, [batch, .. c.Sample.Select(d => (long)d)])[0];
        OnnxRuntimeCheck.AssertClose(theirs, network.Predict(input), 1e-5);
    }

    [Fact]
    public void LegacyBroadcastAlignsTheConstantAtItsAxis()
    {
        // Opset 6's Add(x, c, broadcast = 1, axis = 1) with c of (C) is opset 7's Add(x, c) with c of (C, 1, 1); ONNX Runtime
        // has no Add before opset 7, so the modern form is the reference.
        var c = Weights("c", 3);
        var legacy = new Case(6, [3, 2, 2], "Add", [c], [A("broadcast", 1L), A("axis", 1L)]).Build("legacy");
        var modern = new Case(7, [3, 2, 2], "Add", [c with { Dims = [3, 1, 1] }], []).Build("modern");
        var input = Enumerable.Range(0, 2 * 12).Select(_ => Random.NextFloat()).ToArray();
        using var a = OnnxImport.FromBytes(legacy);
        var theirs = OnnxRuntimeCheck.Outputs(modern, "x", input, [2, 3, 2, 2])[0];
        OnnxRuntimeCheck.AssertClose(theirs, a.Predict(input), 1e-6);
    }

    /// <summary>A constant input: floats, or int64 values where <paramref name="Integers"/> is set.</summary>
    private sealed record OnnxConstantSpec(string Name, long[] Dims, float[]? Floats, long[]? Integers = null)
    {
        public TensorProto Tensor() => Integers is not null
            ? new TensorProto { Name = Name, DataType = (int)TensorProto.Types.DataType.Int64, Dims = { Dims }, Int64Data = { Integers } }
            : FloatTensor(Name, Dims, Floats!);
    }

    /// <summary>x (N, sample...) → op(x, constants...) [→ then ops, each on the previous output and the next constant] → y.</summary>
    private sealed record Case(int Opset, int[] Sample, string Op, OnnxConstantSpec[] Constants, AttributeProto[] Attributes, bool ConstantFirst = false)
    {
        public string[] Then { get; init; } = [];
        public OnnxConstantSpec[] ThenConstants { get; init; } = [];

        public byte[] Build(string name)
        {
            var graph = new GraphProto { Name = name };
            graph.Input.Add(BatchedFloatValue("x", Sample));
            foreach (var constant in Constants.Concat(ThenConstants)) graph.Initializer.Add(constant.Tensor());
            var names = Constants.Select(k => k.Name).ToArray();
            string[] inputs = ConstantFirst ? [.. names, "x"] : ["x", .. names];
            graph.Node.Add(OnnxModels.Node(Op, inputs, ["h0"], Attributes));
            for (int i = 0; i < Then.Length; i++)
                graph.Node.Add(OnnxModels.Node(Then[i], [$"h{i}", ThenConstants[i].Name], [$"h{i + 1}"]));
            graph.Node[^1].Output[0] = "y";
            graph.Output.Add(new ValueInfoProto { Name = "y", Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = FloatType } } });
            return OnnxModels.Model(graph, Opset).ToByteArray();
        }
    }
}
