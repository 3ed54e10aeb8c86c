using MlNetConv.Backends;
using MlNetConv.Geometry;
using MlNetConv.Tensors;
using static MlNetConv.Conformance.BackendConformance;

namespace MlNetConv.Conformance;

/// <summary>
/// Flat element-wise kernels, broadcasting and its reduction, strided copies, channel copies, border padding, per-channel
/// affine maps, dropout masks and sums.
/// </summary>
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
        new(Elementwise, "broadcast_add_multiply", r =>
        {
            var b = r.Backend;
            foreach (var (a, c, output) in new[]
            {
                (new Shape(2, 3, 1, 4), new Shape(2, 1, 5, 1), new Shape(2, 3, 5, 4)),
                (new Shape(2, 17, 3), new Shape(2, 17, 1), new Shape(2, 17, 3)),
                (new Shape(1, 1, 1, 1, 1), new Shape(2, 2, 3, 2, 19), new Shape(2, 2, 3, 2, 19)),
                (new Shape(3, 5), new Shape(3, 5), new Shape(3, 5)),
            })
            {
                var x = r.Tensor(a, Random(a, "a"));
                var y = r.Tensor(c, Random(c, "b"));
                var z = r.Tensor(output, Random(output, "garbage"));
                b.Elementwise.Broadcast(new AddOp(), x, y, z);
                r.Add($"add {a} {c}", z, Tolerance.Exact);
                b.Elementwise.Broadcast(new MultiplyOp(), y, x, z);
                r.Add($"multiply {c} {a}", z, Tolerance.Exact);
            }
        }),
        new(Elementwise, "sum_to", r =>
        {
            var b = r.Backend;
            var source = new Shape(2, 3, 5, 4);
            var x = r.Tensor(source, Random(source, "x"));
            foreach (var target in new[] { new Shape(2, 3, 1, 1), new Shape(1, 3, 1, 4), new Shape(2, 1, 5, 1), new Shape(1, 1, 1, 1), source })
            {
                var y = r.Tensor(target, Random(target, "garbage"));
                b.Elementwise.SumTo(x, y);
                r.Add($"to {target}", y, new Tolerance(1e-6, 1e-6));
            }
        }),
        new(Elementwise, "copy_strided_permutations", r =>
        {
            var b = r.Backend;
            foreach (var (shape, dims) in new[]
            {
                (new Shape(2, 3, 4, 5), new[] { 0, 2, 3, 1 }),
                (new Shape(2, 3, 4, 5), new[] { 0, 3, 1, 2 }),
                (new Shape(3, 17, 2), new[] { 0, 2, 1 }),
                (new Shape(2, 2, 3, 1, 4), new[] { 0, 4, 3, 1, 2 }),
            })
            {
                var x = r.Tensor(shape, Random(shape, "x"));
                var y = b.Allocate(StridedLayout.Permuted(shape, dims));
                b.Elementwise.CopyStrided(x, StridedLayout.Permute(shape, dims), y);
                r.Add($"permute {shape} ({string.Join(", ", dims)})", y, Tolerance.Exact);
            }
            // A view with an offset and a repeated axis: rows 1..2 of a (4, 6) matrix, each read twice.
            var matrix = r.Tensor(new Shape(4, 6), Random(24, "m"));
            var view = b.Allocate(new Shape(2, 2, 6));
            b.Elementwise.CopyStrided(matrix, new StridedLayout([2, 2, 6], [6, 0, 1], offset: 6), view);
            r.Add("offset view", view, Tolerance.Exact);
        }),
        new(Elementwise, "border_pad", r =>
        {
            var b = r.Backend;
            foreach (var (shape, begin, end) in new[]
            {
                (new Shape(2, 3, 5), new[] { 2 }, new[] { 4 }),
                (new Shape(2, 2, 3, 4), new[] { 1, 3 }, new[] { 2, 0 }),
                (new Shape(1, 2, 3, 2, 3), new[] { 2, 1, 0 }, new[] { 0, 1, 2 }),
                (new Shape(2, 1, 1, 1), new[] { 0, 0 }, new[] { 3, 2 }),
            })
                foreach (var mode in new[] { BorderMode.Reflect, BorderMode.Replicate })
                {
                    if (mode == BorderMode.Reflect && shape.Skip(2).Zip(begin.Zip(end)).Any(p => p.Second.First >= p.First || p.Second.Second >= p.First)) continue;
                    var g = BorderPadGeometry.Create(shape, begin, end, mode, "pad");
                    var output = g.OutputShape(shape);
                    var x = r.Tensor(shape, Random(shape, "x"));
                    var y = r.Tensor(output, Random(output, "garbage"));
                    b.Elementwise.BorderPadForward(g, x, y);
                    r.Add($"{mode} {shape} forward", y, Tolerance.Exact);
                    var dy = r.Tensor(output, Random(output, "dy"));
                    var dx = r.Tensor(shape, Random(shape, "garbage"));
                    b.Elementwise.BorderPadBackward(g, dy, dx);
                    r.Add($"{mode} {shape} backward", dx, new Tolerance(1e-6, 1e-6));
                }
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
