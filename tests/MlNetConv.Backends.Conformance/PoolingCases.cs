using MlNetConv.Geometry;
using MlNetConv.Tensors;
using static MlNetConv.Conformance.BackendConformance;

namespace MlNetConv.Conformance;

/// <summary>Max pooling (values, argmax indices, gradient) and average pooling (values, gradient) over one window geometry.</summary>
public sealed record PoolSpec(string Name, bool Max, int Batch, int Channels, int[] Spatial, int[] Kernel, int[] Stride, Padding Padding,
    int[] Dilation, bool CeilMode = false, bool CountIncludePad = true, bool Global = false)
{
    public PoolGeometry Geometry()
    {
        var input = new Shape([Batch, Channels, .. Spatial]);
        return Global ? PoolGeometry.Global(input, Name) : PoolGeometry.Create(input, Kernel, Stride, Padding, Dilation, CeilMode, CountIncludePad, Name);
    }
}

internal static class PoolingCases
{
    public static IReadOnlyList<ConformanceCase> All => [.. Specs().Select(s => new ConformanceCase(Pooling, s.Name, r => Run(r, s)))];

    private static IEnumerable<PoolSpec> Specs()
    {
        foreach (bool max in (bool[])[true, false])
        {
            string kind = max ? "max" : "avg";
            yield return new($"{kind}_1d_k3_s2", max, 2, 3, [9], [3], [2], 0, [1]);
            yield return new($"{kind}_2d_2x2", max, 2, 3, [6, 6], [2, 2], [2, 2], 0, [1, 1]);
            yield return new($"{kind}_2d_overlap_3x3_s2_odd_batch1", max, 1, 5, [7, 9], [3, 3], [2, 2], 0, [1, 1]);
            yield return new($"{kind}_2d_pad1_ceil", max, 2, 2, [6, 7], [3, 3], [2, 2], 1, [1, 1], CeilMode: true);
            yield return new($"{kind}_2d_rect", max, 2, 3, [5, 8], [2, 3], [1, 2], 1, [1, 1]);
            yield return new($"{kind}_3d_2x2x2", max, 1, 2, [4, 5, 6], [2, 2, 2], [2, 2, 2], 0, [1, 1, 1], CeilMode: true);
            yield return new($"{kind}_global", max, 3, 17, [5, 4], [], [], Padding.Valid, [], Global: true);
        }
        yield return new("max_2d_dilation2", true, 2, 3, [8, 8], [3, 3], [1, 1], 1, [2, 2]);
        yield return new("avg_2d_pad1_exclude_pad", false, 2, 3, [5, 6], [3, 3], [2, 2], 1, [1, 1], CountIncludePad: false);
        yield return new("avg_3d_pad1_include_pad_ceil", false, 1, 2, [5, 5, 5], [3, 3, 3], [2, 2, 2], 1, [1, 1, 1], CeilMode: true);

        // Per-axis windows and begin and end padding apart (ONNX's pads): CNTK's ResNet-18 pool, Inception's 1x7, a (3, 2, 2)
        // window; the average's divisor counts padding up to the padded end (or only the input).
        foreach (bool max in (bool[])[true, false])
        {
            string kind = max ? "max" : "avg";
            yield return new($"{kind}_2d_pads_1_1_0_0", max, 2, 3, [9, 8], [3, 3], [2, 2], Padding.FromPads(1, 1, 0, 0), [1, 1]);
            yield return new($"{kind}_2d_1x7_pads_0_3_0_2", max, 1, 2, [4, 11], [1, 7], [1, 1], Padding.FromPads(0, 3, 0, 2), [1, 1]);
            yield return new($"{kind}_2d_3x2_pads_0_1_2_0_ceil", max, 2, 2, [7, 6], [3, 2], [2, 1], Padding.FromPads(0, 1, 2, 0), [1, 1], CeilMode: true);
            yield return new($"{kind}_3d_322_pads", max, 1, 2, [6, 5, 5], [3, 2, 2], [2, 1, 2], Padding.FromPads(1, 0, 1, 2, 1, 0), [1, 1, 1]);
            yield return new($"{kind}_2d_same_lower_3x4_stride2", max, 2, 2, [7, 9], [3, 4], [2, 2], Padding.SameLower, [1, 1]);
        }
        yield return new("avg_2d_pads_2_0_1_2_exclude_pad", false, 2, 2, [6, 7], [3, 3], [1, 2], Padding.FromPads(2, 0, 1, 2), [1, 1], CountIncludePad: false);
        yield return new("max_2d_pads_dilated_anisotropic", true, 1, 3, [9, 10], [2, 3], [1, 2], Padding.FromPads(1, 0, 0, 2), [3, 2]);
    }

    private static void Run(Results r, PoolSpec s)
    {
        var g = s.Geometry();
        var b = r.Backend;
        var inShape = new Shape([s.Batch, s.Channels, .. s.Spatial]);
        var outShape = g.OutputShape(s.Batch);
        var x = r.Tensor(inShape, Random(inShape, s.Name + " x"));
        var y = r.Tensor(outShape, Random(outShape, "garbage"));
        var dy = r.Tensor(outShape, Random(outShape, s.Name + " dy"));
        var dx = r.Tensor(inShape, Random(inShape, "garbage"));
        if (s.Max)
        {
            var indices = b.AllocateIndices(outShape);
            b.Pooling.MaxForward(g, x, y, indices);
            r.Add("forward", y);
            r.Add("indices", indices);
            b.Pooling.MaxBackward(g, dy, indices, dx);
        }
        else
        {
            b.Pooling.AvgForward(g, x, y);
            r.Add("forward", y);
            b.Pooling.AvgBackward(g, dy, dx);
        }
        r.Add("input gradient", dx);
    }
}
