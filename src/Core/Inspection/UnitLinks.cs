using MlNetConv.Geometry;
using MlNetConv.Layers;
using MlNetConv.Tensors;

namespace MlNetConv.Inspection;

/// <summary>
/// Which units of its inputs a unit of a layer reads, and the box of input positions a box of output positions reads.
/// Windowed layers (convolutions with their channel groups or connection table, pooling, subsampling) read a window
/// of every input channel they connect to: input row = y·stride − padding + k·dilation for k in 0..kernel−1; element-
/// wise layers read the same unit; local response normalisation a window of channels; softmax every channel at the
/// same position; flattening one unit; dense layers, and any layer not named here, every unit. Units are
/// (channel, row, column) of 2D maps and (feature, 0, 0) of vectors; 1D signals use the column.
/// </summary>
internal static class UnitLinks
{
    /// <param name="inputs">one sample's shape of each input of the node</param>
    public static IReadOnlyList<UnitSet> Of(InspectedNode node, Unit unit, IReadOnlyList<Shape> inputs)
    {
        if (node.Merge is not null) return MergeLinks(node, unit, inputs);
        var source = node.Inputs[0];
        var input = inputs[0];
        int h = NetworkInspector.HeightOf(input), w = NetworkInspector.WidthOf(input);
        return node.Layer switch
        {
            Convolution c when Windows(c.Geometry.SpatialRank, c.Geometry.Kernel, c.Geometry.Stride, c.Geometry.Dilation, c.Geometry.PadBegin) is { } win =>
                [new UnitSet(source, c.Geometry.InputsOf[unit.Channel], win.Rows.Reads(unit.Y, h), win.Columns.Reads(unit.X, w))],
            LocallyConnected2d c when Windows(2, c.Geometry.Kernel, c.Geometry.Stride, c.Geometry.Dilation, c.Geometry.PadBegin) is { } win =>
                [new UnitSet(source, c.Geometry.InputsOf[unit.Channel], win.Rows.Reads(unit.Y, h), win.Columns.Reads(unit.X, w))],
            Layer l when PoolingOf(l) is { } g && Windows(g.SpatialRank, g.Kernel, g.Stride, g.Dilation, g.PadBegin) is { } win =>
                [new UnitSet(source, [unit.Channel], win.Rows.Reads(unit.Y, h), win.Columns.Reads(unit.X, w))],
            LocalResponseNorm lrn => [new UnitSet(source, Range(lrn.Window.First(unit.Channel), lrn.Window.Last(unit.Channel, input[0])), [unit.Y], [unit.X])],
            Softmax => [new UnitSet(source, null, [unit.Y], [unit.X])],
            Flatten => [FlattenLink(source, unit.Channel, input)],
            _ when IsElementwise(node.Layer) => [UnitSet.Same(source, unit)],
            _ => [UnitSet.All(source)],
        };
    }

    /// <summary>For each input, the box of its positions that the output positions in <paramref name="box"/> read (not clipped).</summary>
    public static PixelBox[] BoxesOf(InspectedNode node, PixelBox box, IReadOnlyList<Shape> inputs)
    {
        PixelBox Whole(Shape s) => new(0, 0, NetworkInspector.HeightOf(s) - 1, NetworkInspector.WidthOf(s) - 1);
        if (node.Merge is not null)
            return inputs.Select(s => Broadcast(box, s)).ToArray();
        var input = inputs[0];
        PixelBox? through = node.Layer switch
        {
            Convolution c => Windows(c.Geometry.SpatialRank, c.Geometry.Kernel, c.Geometry.Stride, c.Geometry.Dilation, c.Geometry.PadBegin)?.Box(box),
            LocallyConnected2d c => Windows(2, c.Geometry.Kernel, c.Geometry.Stride, c.Geometry.Dilation, c.Geometry.PadBegin)?.Box(box),
            Layer l when PoolingOf(l) is { } g => Windows(g.SpatialRank, g.Kernel, g.Stride, g.Dilation, g.PadBegin)?.Box(box),
            LocalResponseNorm or Softmax => box,
            _ when IsElementwise(node.Layer) => box,
            _ => null,
        };
        return [through ?? Whole(input)];
    }

    /// <summary>Layers whose output unit reads only the same unit of the input.</summary>
    private static bool IsElementwise(ILayer? layer) => layer is BatchNorm or DropoutBase or ConstantAffine || IsActivation(layer?.GetType());

    private static bool IsActivation(Type? type) =>
        type is not null && (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Activation<>) || IsActivation(type.BaseType));

    private static PoolGeometry? PoolingOf(Layer layer) => layer switch
    {
        Pooling p => p.Geometry,
        LPPooling p => p.Geometry,
        Subsampling2d s => s.Geometry,
        _ => null,
    };

    /// <summary>The window along rows and columns of a layer of spatial rank 1 or 2; null for 3D layers (depth is not a unit coordinate).</summary>
    private static (AxisWindow Rows, AxisWindow Columns)? Windows(int spatialRank, Int3 kernel, Int3 stride, Int3 dilation, Int3 padBegin) =>
        spatialRank switch
        {
            1 => (AxisWindow.Identity, new AxisWindow(kernel.W, stride.W, dilation.W, padBegin.W)),
            2 => (new AxisWindow(kernel.H, stride.H, dilation.H, padBegin.H), new AxisWindow(kernel.W, stride.W, dilation.W, padBegin.W)),
            _ => null,
        };

    private static IReadOnlyList<UnitSet> MergeLinks(InspectedNode node, Unit unit, IReadOnlyList<Shape> inputs)
    {
        if (node.Merge is Concat)
        {
            // The one input that holds the channel, at the channel's place within it.
            int offset = 0;
            for (int k = 0; k < inputs.Count; k++)
            {
                if (unit.Channel < offset + inputs[k][0])
                    return [new UnitSet(node.Inputs[k], [unit.Channel - offset], [unit.Y], [unit.X])];
                offset += inputs[k][0];
            }
        }
        if (node.Merge is Add or Multiply)
        {
            // Element-wise with broadcasting: an axis of extent one is read at 0.
            return inputs.Select((s, k) => new UnitSet(node.Inputs[k], [s[0] == 1 ? 0 : unit.Channel],
                [NetworkInspector.HeightOf(s) == 1 ? 0 : unit.Y], [NetworkInspector.WidthOf(s) == 1 ? 0 : unit.X])).ToArray();
        }
        return node.Inputs.Select(UnitSet.All).ToArray();
    }

    private static PixelBox Broadcast(PixelBox box, Shape input) =>
        new(NetworkInspector.HeightOf(input) == 1 ? 0 : box.Top, NetworkInspector.WidthOf(input) == 1 ? 0 : box.Left,
            NetworkInspector.HeightOf(input) == 1 ? 0 : box.Bottom, NetworkInspector.WidthOf(input) == 1 ? 0 : box.Right);

    /// <summary>Feature <paramref name="feature"/> of a flattened (C, H, W) input is unit (f / HW, f / W mod H, f mod W).</summary>
    private static UnitSet FlattenLink(int source, int feature, Shape input)
    {
        int h = NetworkInspector.HeightOf(input), w = NetworkInspector.WidthOf(input);
        return new UnitSet(source, [feature / (h * w)], [feature / w % h], [feature % w]);
    }

    private static int[] Range(int first, int last) => Enumerable.Range(first, last - first + 1).ToArray();

    /// <summary>A window sliding along one axis.</summary>
    private readonly record struct AxisWindow(int Kernel, int Stride, int Dilation, int PadBegin)
    {
        public static AxisWindow Identity => new(1, 1, 1, 0);

        /// <summary>The input positions output position <paramref name="at"/> reads, padding left out.</summary>
        public int[] Reads(int at, int inputSize)
        {
            var result = new List<int>(Kernel);
            for (int k = 0; k < Kernel; k++)
            {
                int i = at * Stride - PadBegin + k * Dilation;
                if (i >= 0 && i < inputSize) result.Add(i);
            }
            return [.. result];
        }

        public (int First, int Last) Span(int first, int last) =>
            (first * Stride - PadBegin, last * Stride - PadBegin + (Kernel - 1) * Dilation);
    }

    private static PixelBox Box(this (AxisWindow Rows, AxisWindow Columns) win, PixelBox box)
    {
        var (top, bottom) = win.Rows.Span(box.Top, box.Bottom);
        var (left, right) = win.Columns.Span(box.Left, box.Right);
        return new PixelBox(top, left, bottom, right);
    }
}
