using MlNetConv.Geometry;
using MlNetConv.Tensors;
using static MlNetConv.Conformance.BackendConformance;

namespace MlNetConv.Conformance;

/// <summary>Forward, input gradient (overwritten) and weight/bias gradients (accumulated onto non-zero values) of one convolution.</summary>
public sealed record ConvSpec(string Name, int Batch, int InChannels, int[] Spatial, int OutChannels, int[] Kernel, int[] Stride,
    Padding Padding, int[] Dilation, int Groups = 1, bool Bias = true, ConnectionTable? Table = null)
{
    public ConvGeometry Geometry() => ConvGeometry.Create(new Shape([Batch, InChannels, .. Spatial]), OutChannels, Kernel, Stride, Dilation,
        Padding, Groups, Table, Name);
}

internal static class ConvolutionCases
{
    private static int[] R(int rank, int v) => Enumerable.Repeat(v, rank).ToArray();

    public static IReadOnlyList<ConformanceCase> All => [.. Specs().Select(s => new ConformanceCase(Convolution, s.Name, r => Run(r, s)))];

    private static IEnumerable<ConvSpec> Specs()
    {
        yield return new("1d_k3", 2, 3, [9], 4, [3], [1], 0, [1]);
        yield return new("1d_stride2_pad1_batch1", 1, 3, [10], 5, [3], [2], 1, [1]);
        yield return new("1d_same_k4_stride2", 2, 2, [9], 3, [4], [2], Padding.Same, [1]);
        yield return new("1d_dilation2_groups2", 2, 4, [11], 6, [3], [1], 2, [2], Groups: 2);
        yield return new("2d_3x3", 2, 3, [6, 6], 4, [3, 3], [1, 1], 0, [1, 1]);
        yield return new("2d_stride2_pad1_odd", 3, 3, [7, 5], 5, [3, 3], [2, 2], 1, [1, 1]);
        yield return new("2d_rect_2x3_stride_1x2", 2, 3, [6, 7], 4, [2, 3], [1, 2], Padding.Explicit(1, 0), [1, 1]);
        yield return new("2d_same_4x4_stride2", 2, 2, [7, 7], 3, [4, 4], [2, 2], Padding.Same, [1, 1]);
        yield return new("2d_dilation2_stride2", 1, 3, [8, 8], 4, [3, 3], [2, 2], 2, [2, 2]);
        yield return new("2d_groups3_nobias", 1, 6, [5, 5], 6, [3, 3], [1, 1], 0, [1, 1], Groups: 3, Bias: false);
        yield return new("2d_depthwise", 2, 4, [5, 5], 4, [3, 3], [1, 1], 1, [1, 1], Groups: 4);
        yield return new("2d_depthwise_multiplier2", 1, 3, [5, 4], 6, [3, 3], [1, 1], 1, [1, 1], Groups: 3);
        yield return new("2d_lenet5_c3_table", 2, 6, [7, 7], 16, [3, 3], [1, 1], 0, [1, 1], Table: ConnectionTable.LeNet5C3);
        yield return new("2d_1x1_pointwise", 2, 5, [4, 3], 7, [1, 1], [1, 1], 0, [1, 1]);
        yield return new("2d_1x1_stride2", 2, 3, [5, 5], 5, [1, 1], [2, 2], 0, [1, 1]);
        yield return new("2d_channels_17_to_19", 1, 17, [4, 4], 19, [3, 3], [1, 1], 1, [1, 1]);
        yield return new("2d_7x7_stride2_pad3", 1, 3, [9, 9], 4, [7, 7], [2, 2], 3, [1, 1]);
        yield return new("3d_3x3x3", 1, 2, [5, 5, 5], 3, [3, 3, 3], [1, 1, 1], 0, [1, 1, 1]);
        yield return new("3d_stride2_pad1", 1, 2, [6, 5, 4], 3, [3, 3, 3], [2, 2, 2], 1, [1, 1, 1]);
        yield return new("3d_groups2_dilation2", 2, 4, [5, 5, 5], 4, [2, 2, 2], [1, 1, 1], 1, [2, 2, 2], Groups: 2, Bias: false);

        // Per-axis kernels, strides and dilations with begin and end padding apart (ONNX's pads): CNTK's ResNet-18 stem
        // (7x7, pads [3, 3, 2, 2]), Inception's 1x7 and 7x1, a 3D (3, 2, 2) kernel, same_lower.
        yield return new("2d_7x7_stride2_pads_3_3_2_2", 2, 3, [12, 11], 4, [7, 7], [2, 2], Padding.FromPads(3, 3, 2, 2), [1, 1]);
        yield return new("2d_1x7_pads_0_3_0_3", 1, 4, [5, 9], 3, [1, 7], [1, 1], Padding.FromPads(0, 3, 0, 3), [1, 1]);
        yield return new("2d_7x1_pads_3_0_1_0_stride_2x1", 2, 3, [10, 4], 5, [7, 1], [2, 1], Padding.FromPads(3, 0, 1, 0), [1, 1]);
        yield return new("2d_3x3_stride1_pads_0_2_1_0", 2, 4, [6, 7], 3, [3, 3], [1, 1], Padding.FromPads(0, 2, 1, 0), [1, 1]);
        yield return new("2d_2x3_dilation_2x1_pads_groups2", 1, 4, [8, 7], 6, [2, 3], [1, 2], Padding.FromPads(2, 0, 0, 1), [2, 1], Groups: 2);
        yield return new("3d_322_stride_212_pads", 1, 2, [6, 5, 6], 3, [3, 2, 2], [2, 1, 2], Padding.FromPads(1, 0, 2, 2, 1, 0), [1, 2, 1]);
        yield return new("1d_k4_pads_3_0", 2, 3, [9], 2, [4], [1], Padding.FromPads(3, 0), [1]);
        yield return new("2d_same_lower_4x3_stride2", 2, 2, [7, 8], 3, [4, 3], [2, 2], Padding.SameLower, [1, 1]);

        // Seeded random geometries: rank 1..3, groups, stride, padding, dilation, batch 1..3.
        var random = new RandomStream(2024);
        for (int i = 0; i < 8; i++)
        {
            int rank = 1 + random.NextInt(3), groups = 1 + random.NextInt(3);
            int cin = groups * (1 + random.NextInt(3)), cout = groups * (1 + random.NextInt(3));
            int kernel = 1 + random.NextInt(3), stride = 1 + random.NextInt(2), dilation = 1 + random.NextInt(2);
            int pad = random.NextInt(kernel), batch = 1 + random.NextInt(3);
            int extent = (kernel - 1) * dilation + 1 + random.NextInt(rank == 3 ? 3 : 5);
            var spatial = Enumerable.Range(0, rank).Select(_ => extent + random.NextInt(2)).ToArray();
            yield return new($"random{i}_{rank}d_g{groups}_{cin}to{cout}_k{kernel}_s{stride}_p{pad}_d{dilation}_n{batch}",
                batch, cin, spatial, cout, R(rank, kernel), R(rank, stride), pad, R(rank, dilation), groups, Bias: random.NextInt(2) == 0);
        }

        // Seeded random per-axis geometries with begin and end padding apart.
        var axes = new RandomStream(2025);
        for (int i = 0; i < 8; i++)
        {
            int rank = 1 + axes.NextInt(3), groups = 1 + axes.NextInt(2);
            int cin = groups * (1 + axes.NextInt(3)), cout = groups * (1 + axes.NextInt(3)), batch = 1 + axes.NextInt(2);
            int[] kernel = [.. Enumerable.Range(0, rank).Select(_ => 1 + axes.NextInt(rank == 3 ? 3 : 5))];
            int[] stride = [.. Enumerable.Range(0, rank).Select(_ => 1 + axes.NextInt(2))];
            int[] dilation = [.. Enumerable.Range(0, rank).Select(_ => 1 + axes.NextInt(2))];
            int[] begin = [.. kernel.Select(k => axes.NextInt(k))], end = [.. kernel.Select(k => axes.NextInt(k))];
            int[] spatial = [.. Enumerable.Range(0, rank).Select(a => (kernel[a] - 1) * dilation[a] + 1 + axes.NextInt(rank == 3 ? 3 : 5))];
            yield return new($"random_axes{i}_{rank}d_k{string.Join("x", kernel)}_s{string.Join("x", stride)}_d{string.Join("x", dilation)}_pads{string.Join("_", begin.Concat(end))}",
                batch, cin, spatial, cout, kernel, stride, Padding.Explicit(begin, end), dilation, groups, Bias: axes.NextInt(2) == 0);
        }
    }

    private static void Run(Results r, ConvSpec s)
    {
        var g = s.Geometry();
        var b = r.Backend;
        var inShape = g.InputShape(s.Batch);
        var outShape = g.OutputShape(s.Batch);
        var x = r.Tensor(inShape, Random(inShape, s.Name + " x"));
        var w = r.Tensor(g.WeightShape, Random(g.WeightShape, s.Name + " w"));
        var bias = s.Bias ? r.Tensor(new Shape(s.OutChannels), Random(s.OutChannels, s.Name + " b")) : null;

        var y = r.Tensor(outShape, Random(outShape, "garbage"));
        b.Convolution.Forward(g, x, w, bias, y);
        r.Add("forward", y);

        var dy = r.Tensor(outShape, Random(outShape, s.Name + " dy"));
        var dx = r.Tensor(inShape, Random(inShape, "garbage"));
        b.Convolution.BackwardData(g, dy, w, dx);
        r.Add("input gradient", dx);

        var dw = r.Tensor(g.WeightShape, Random(g.WeightShape, s.Name + " dw0"));
        var db = s.Bias ? r.Tensor(new Shape(s.OutChannels), Random(s.OutChannels, s.Name + " db0")) : null;
        b.Convolution.BackwardWeights(g, x, dy, dw, db);
        r.Add("weight gradient", dw);
        if (db is not null) r.Add("bias gradient", db);
    }
}
