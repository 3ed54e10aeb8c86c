using MlNetConv.Tensors;
using static MlNetConv.Conformance.BackendConformance;

namespace MlNetConv.Conformance;

/// <summary>Flat element-wise kernels, channel copies, per-channel affine maps, dropout masks and sums.</summary>
internal static class ElementwiseCases
{
    private static readonly Shape Shape = new(3, 5, 2, 3);

    public static IReadOnlyList<ConformanceCase> All =>
    [
        new(Elementwise, "fill_copy_scale", r =>
        {
            var b = r.Backend;
            var x = r.Tensor(Shape, Random(Shape, "x"));
            var y = b.Allocate(Shape);
            b.Elementwise.Copy(x, y);
            r.Add("copy", y, Tolerance.Exact);
            b.Elementwise.Scale(y, -2.5f);
            r.Add("scale", y);
            b.Elementwise.Fill(y, 0.75f);
            r.Add("fill", y, Tolerance.Exact);
        }),
        new(Elementwise, "add_multiply_axpy", r =>
        {
            var b = r.Backend;
            var x = r.Tensor(Shape, Random(Shape, "x"));
            var y = r.Tensor(Shape, Random(Shape, "y"));
            var z = b.Allocate(Shape);
            b.Elementwise.Add(x, y, z);
            r.Add("add", z);
            b.Elementwise.Multiply(x, y, z);
            r.Add("multiply", z);
            b.Elementwise.Axpy(-0.3f, x, y);
            r.Add("axpy", y);
        }),
        new(Elementwise, "views_with_offsets", r =>
        {
            // Two tensors sharing one buffer at different offsets, as a parameter arena lays them out.
            var b = r.Backend;
            var arena = r.Tensor(new Shape(40), Random(40, "arena"));
            var first = new Tensor(b, arena.Buffer, new Shape(3, 4), offset: 3);
            var second = new Tensor(b, arena.Buffer, new Shape(3, 4), offset: 20);
            b.Elementwise.Axpy(2f, first, second);
            b.Elementwise.Scale(first, 0.5f);
            r.Add("arena", arena);
            r.Add("second", second);
        }),
        new(Elementwise, "copy_channels_concat", r =>
        {
            var b = r.Backend;
            var a = r.Tensor(new Shape(2, 3, 2, 2), Random(24, "a"));
            var c = r.Tensor(new Shape(2, 5, 2, 2), Random(40, "c"));
            var output = r.Tensor(new Shape(2, 8, 2, 2), Random(64, "garbage"));
            b.Elementwise.CopyChannels(a, 0, output, 0, 3);
            b.Elementwise.CopyChannels(c, 0, output, 3, 5);
            r.Add("concat", output, Tolerance.Exact);
            var back = b.Allocate(new Shape(2, 2, 2, 2));
            b.Elementwise.CopyChannels(output, 4, back, 0, 2);
            r.Add("slice", back, Tolerance.Exact);
        }),
        new(Elementwise, "channel_affine", r =>
        {
            var b = r.Backend;
            var x = r.Tensor(Shape, Random(Shape, "x"));
            var scale = r.Tensor(new Shape(5), Random(5, "scale"));
            var shift = r.Tensor(new Shape(5), Random(5, "shift"));
            var y = b.Allocate(Shape);
            b.Elementwise.ChannelAffineForward(x, scale, shift, y);
            r.Add("forward", y);
            var dy = r.Tensor(Shape, Random(Shape, "dy"));
            var dx = r.Tensor(Shape, Random(Shape, "garbage"));
            var dScale = r.Tensor(new Shape(5), Random(5, "ds0"));
            var dShift = r.Tensor(new Shape(5), Random(5, "dt0"));
            b.Elementwise.ChannelAffineBackward(x, dy, scale, dx, dScale, dShift);
            r.Add("input gradient", dx);
            r.Add("scale gradient", dScale);
            r.Add("shift gradient", dShift);
        }),
        new(Elementwise, "dropout_masks", r =>
        {
            var b = r.Backend;
            var mask = b.Allocate(Shape);
            b.Elementwise.DropoutMask(mask, 0.3f, 12345UL, 1);
            r.Add("element mask", mask, Tolerance.Exact);
            b.Elementwise.DropoutMask(mask, 0.5f, 99UL, Shape.SpatialSize);
            r.Add("channel mask", mask, Tolerance.Exact);
        }),
        new(Elementwise, "sum", r =>
        {
            var b = r.Backend;
            r.Add("sum of 90", b.Elementwise.Sum(r.Tensor(Shape, Random(Shape, "x"))), new Tolerance(1e-6, 1e-6));
            r.Add("sum of 5000", b.Elementwise.Sum(r.Tensor(new Shape(5000), Random(5000, "big", 0f, 1f))), new Tolerance(1e-6, 1e-6));
            r.Add("sum of 1", b.Elementwise.Sum(r.Tensor(new Shape(1), [3.25f])), Tolerance.Exact);
        }),
    ];
}
