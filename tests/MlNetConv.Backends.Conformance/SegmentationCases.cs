using MlNetConv.Geometry;
using MlNetConv.Tensors;
using static MlNetConv.Conformance.BackendConformance;

namespace MlNetConv.Conformance;

/// <summary>
/// The kernels of the segmentation layers: crop/pad regions, per-channel bias and its gradient, max unpooling, Lp and
/// cross-channel max pooling, nearest and (bi/tri)linear upsampling, locally connected layers.
/// </summary>
internal static class SegmentationCases
{
    public static IReadOnlyList<ConformanceCase> All =>
    [
        new(Segmentation, "copy_region_2d_crop_and_pad", r =>
        {
            var b = r.Backend;
            var source = r.Tensor(new Shape(2, 3, 5, 6), Random(180, "source"));
            var cropped = r.Tensor(new Shape(2, 3, 3, 4), Random(72, "garbage"));
            b.Elementwise.CopyRegion(source, new Int3(0, 1, 2), cropped, new Int3(0, 0, 0), new Int3(1, 3, 4));
            r.Add("crop", cropped, Tolerance.Exact);
            var padded = r.Tensor(new Shape(2, 3, 7, 9), Random(378, "garbage"));
            b.Elementwise.CopyRegion(source, new Int3(0, 0, 0), padded, new Int3(0, 1, 2), new Int3(1, 5, 6));
            r.Add("pad", padded, Tolerance.Exact);
        }),
        new(Segmentation, "copy_region_3d", r =>
        {
            var b = r.Backend;
            var source = r.Tensor(new Shape(1, 2, 4, 3, 5), Random(120, "source"));
            var destination = r.Tensor(new Shape(1, 2, 3, 4, 4), Random(96, "garbage"));
            b.Elementwise.CopyRegion(source, new Int3(1, 0, 1), destination, new Int3(0, 1, 0), new Int3(3, 3, 4));
            r.Add("box", destination, Tolerance.Exact);
        }),
        new(Segmentation, "channel_bias_and_sums", r =>
        {
            var b = r.Backend;
            var shape = new Shape(3, 5, 4, 3);
            var bias = r.Tensor(new Shape(5), Random(5, "bias"));
            var y = r.Tensor(shape, Random(shape, "y"));
            b.Elementwise.AddChannelBias(bias, y);
            r.Add("biased", y);
            var sums = r.Tensor(new Shape(5), Random(5, "sums"));
            b.Elementwise.AccumulateChannelSums(y, sums);
            r.Add("sums", sums);
            var flat = r.Tensor(new Shape(4, 7), Random(28, "flat"));
            var flatSums = r.Tensor(new Shape(7), Random(7, "flat sums"));
            b.Elementwise.AccumulateChannelSums(flat, flatSums);
            r.Add("sums of (N, C)", flatSums);
        }),
        .. Unpool("max_unpool_2d_2x2", new Shape(2, 3, 6, 7), [2, 2], [2, 2], 0, ceil: true),
        .. Unpool("max_unpool_2d_3x3_s2_pad1", new Shape(1, 2, 7, 5), [3, 3], [2, 2], 1, ceil: false),
        .. Unpool("max_unpool_2d_3x2_pads_1_0_0_1", new Shape(2, 2, 8, 7), [3, 2], [2, 1], Padding.FromPads(1, 0, 0, 1), ceil: false),
        .. Lp("lp_p2_2d", 2f, new Shape(2, 3, 6, 5), [2, 2], [2, 2], 0, [1, 1], ceil: false),
        .. Lp("lp_p3_1d_k3_s2_ceil", 3f, new Shape(2, 2, 9), [3], [2], 0, [1], ceil: true),
        .. Lp("lp_p1_5_2d_overlap", 1.5f, new Shape(1, 2, 5, 6), [3, 2], [1, 2], 0, [1, 1], ceil: false),
        .. Lp("lp_p2_2d_1x3_pads_0_2_1_1_dilated", 2f, new Shape(2, 2, 6, 9), [2, 3], [1, 2], Padding.FromPads(0, 2, 1, 1), [2, 1], ceil: false),
        .. Lp("lp_p3_3d_322_same", 3f, new Shape(1, 2, 5, 4, 5), [3, 2, 2], [2, 1, 2], Padding.Same, [1, 1, 1], ceil: false),
        new(Segmentation, "maxout", r =>
        {
            var b = r.Backend;
            foreach (var (input, pool) in new[] { (new Shape(2, 6, 3, 2), 3), (new Shape(3, 8), 2) })
            {
                var outShape = new Shape([input.N, input.C / pool, .. input.Skip(2)]);
                var x = r.Tensor(input, Random(input, $"x {input}"));
                var y = r.Tensor(outShape, Random(outShape, "garbage"));
                var indices = b.AllocateIndices(outShape);
                b.Pooling.ChannelMaxForward(x, pool, y, indices);
                r.Add($"forward {input}", y, Tolerance.Exact);
                r.Add($"indices {input}", indices);
                var dy = r.Tensor(outShape, Random(outShape, $"dy {input}"));
                var dx = r.Tensor(input, Random(input, "garbage"));
                b.Pooling.ChannelMaxBackward(dy, indices, pool, dx);
                r.Add($"input gradient {input}", dx, Tolerance.Exact);
            }
        }),
        .. Upsample("upsample_nearest_2d_x2", new Shape(2, 3, 3, 4), [2.0], null, UpsampleMode.Nearest, false),
        .. Upsample("upsample_nearest_1d_x2_5", new Shape(2, 2, 5), [2.5], null, UpsampleMode.Nearest, false),
        .. Upsample("upsample_bilinear_2d_size", new Shape(2, 3, 3, 4), null, [7, 9], UpsampleMode.Linear, false),
        .. Upsample("upsample_bilinear_2d_align_corners", new Shape(1, 2, 4, 3), [2.0], null, UpsampleMode.Linear, true),
        .. Upsample("upsample_linear_1d_x3", new Shape(2, 2, 4), [3.0], null, UpsampleMode.Linear, false),
        .. Upsample("upsample_trilinear_3d", new Shape(1, 2, 2, 3, 2), [2.0, 1.5, 2.0], null, UpsampleMode.Linear, false),
        .. Upsample("upsample_trilinear_3d_align_corners", new Shape(1, 2, 3, 2, 3), null, [5, 4, 4], UpsampleMode.Linear, true),
        .. LocallyConnected("locally_connected_2d_pad1_stride2_bias", new Shape(2, 3, 6, 5), 4, [3, 3], [2, 2], Padding.Explicit(1, 1), [1, 1], bias: true),
        .. LocallyConnected("locally_connected_2d_dilation2_no_bias", new Shape(3, 2, 7, 6), 3, [2, 3], [1, 1], Padding.Explicit(0, 1), [2, 2], bias: false),
        .. LocallyConnected("locally_connected_1d_batch1", new Shape(1, 3, 8), 2, [3], [1], Padding.Explicit(1), [1], bias: true),
        .. LocallyConnected("locally_connected_2d_1x3_pads_2_1_0_1", new Shape(2, 2, 5, 6), 3, [1, 3], [2, 1], Padding.FromPads(2, 1, 0, 1), [1, 2], bias: true),
    ];

    private static IEnumerable<ConformanceCase> Unpool(string name, Shape input, int[] kernel, int[] stride, Padding padding, bool ceil)
    {
        yield return new(Segmentation, name, r =>
        {
            var b = r.Backend;
            var g = PoolGeometry.Create(input, kernel, stride, padding, [.. kernel.Select(_ => 1)], ceil, true, name);
            var pooledShape = g.OutputShape(input.N);
            var x = r.Tensor(input, Random(input, name + " x"));
            var pooled = r.Tensor(pooledShape, Random(pooledShape, "garbage"));
            var indices = b.AllocateIndices(pooledShape);
            b.Pooling.MaxForward(g, x, pooled, indices);
            // Unpooling's forward is max pooling's backward: every value back at the position its maximum came from.
            var values = r.Tensor(pooledShape, Random(pooledShape, name + " values"));
            var unpooled = r.Tensor(input, Random(input, "garbage"));
            b.Pooling.MaxBackward(g, values, indices, unpooled);
            r.Add("unpooled", unpooled, Tolerance.Exact);
            var dUnpooled = r.Tensor(input, Random(input, name + " dy"));
            var dValues = r.Tensor(pooledShape, Random(pooledShape, "garbage"));
            b.Pooling.MaxUnpoolBackward(g, dUnpooled, indices, dValues);
            r.Add("values gradient", dValues, Tolerance.Exact);
        });
    }

    private static IEnumerable<ConformanceCase> Lp(string name, float p, Shape input, int[] kernel, int[] stride, Padding padding, int[] dilation,
        bool ceil)
    {
        yield return new(Segmentation, name, r =>
        {
            var b = r.Backend;
            var g = PoolGeometry.Create(input, kernel, stride, padding, dilation, ceil, true, name);
            var outShape = g.OutputShape(input.N);
            var values = Random(input, name + " x");
            values[0] = values[1] = 0f;
            var x = r.Tensor(input, values);
            var y = r.Tensor(outShape, Random(outShape, "garbage"));
            b.Pooling.LpForward(g, p, x, y);
            r.Add("forward", y);
            var dy = r.Tensor(outShape, Random(outShape, name + " dy"));
            var dx = r.Tensor(input, Random(input, "garbage"));
            b.Pooling.LpBackward(g, p, x, y, dy, dx);
            r.Add("input gradient", dx);
        });
    }

    private static IEnumerable<ConformanceCase> Upsample(string name, Shape input, double[]? scale, int[]? size, UpsampleMode mode, bool alignCorners)
    {
        yield return new(Segmentation, name, r =>
        {
            var b = r.Backend;
            var g = UpsampleGeometry.Create(input, scale, size, mode, alignCorners, name);
            var outShape = g.OutputShape(input.N);
            var x = r.Tensor(input, Random(input, name + " x"));
            var y = r.Tensor(outShape, Random(outShape, "garbage"));
            b.Upsampling.Forward(g, x, y);
            r.Add("forward", y);
            var dy = r.Tensor(outShape, Random(outShape, name + " dy"));
            var dx = r.Tensor(input, Random(input, "garbage"));
            b.Upsampling.Backward(g, dy, dx);
            r.Add("input gradient", dx);
        });
    }

    private static IEnumerable<ConformanceCase> LocallyConnected(string name, Shape input, int outChannels, int[] kernel, int[] stride, Padding padding,
        int[] dilation, bool bias)
    {
        yield return new(Segmentation, name, r =>
        {
            var b = r.Backend;
            var g = ConvGeometry.Create(input, outChannels, kernel, stride, dilation, padding, 1, null, name);
            var outShape = g.OutputShape(input.N);
            var weightShape = new Shape(g.Output.Volume, outChannels, g.InChannels * g.KernelVolume);
            var biasShape = new Shape(outChannels, g.Output.Volume);
            var x = r.Tensor(input, Random(input, name + " x"));
            var w = r.Tensor(weightShape, Random(weightShape, name + " w"));
            var bTensor = bias ? r.Tensor(biasShape, Random(biasShape, name + " b")) : null;
            var y = r.Tensor(outShape, Random(outShape, "garbage"));
            b.LocallyConnected.Forward(g, x, w, bTensor, y);
            r.Add("forward", y);
            var dy = r.Tensor(outShape, Random(outShape, name + " dy"));
            var dx = r.Tensor(input, Random(input, "garbage"));
            b.LocallyConnected.BackwardData(g, dy, w, dx);
            r.Add("input gradient", dx);
            // Weight and bias gradients accumulate onto what is there.
            var dw = r.Tensor(weightShape, Random(weightShape, name + " dw"));
            var db = bias ? r.Tensor(biasShape, Random(biasShape, name + " db")) : null;
            b.LocallyConnected.BackwardWeights(g, x, dy, dw, db);
            r.Add("weight gradient", dw);
            if (db is not null) r.Add("bias gradient", db);
        });
    }
}
