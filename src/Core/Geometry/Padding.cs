namespace MlNetConv.Geometry;

public enum PaddingMode
{
    /// <summary>Explicit zero padding per spatial dimension: the same before and after, or begin and end apart.</summary>
    Explicit,
    /// <summary>No padding: only windows that fit entirely inside the input.</summary>
    Valid,
    /// <summary>Pad so that output = ceil(input / stride); an odd total puts the extra row after (TensorFlow, ONNX SAME_UPPER).</summary>
    Same,
    /// <summary>As <see cref="Same"/>, but an odd total puts the extra row before (ONNX SAME_LOWER).</summary>
    SameLower,
}

/// <summary>
/// How a convolution or pooling window is padded: explicit zeros, the same before and after every spatial dimension
/// (PyTorch's <c>padding</c>: an int, a tuple or <see cref="Explicit(int[])"/>) or begin and end apart
/// (<see cref="Explicit(int[], int[])"/>, ONNX's <c>pads</c> through <see cref="FromPads"/>); none (<see cref="Valid"/>);
/// or as much as gives out = ceil(in / stride) (<see cref="Same"/>, <see cref="SameLower"/>).
/// </summary>
/// <param name="Values">explicit padding before each dimension (and after, unless <see cref="End"/> is set): one value for
/// every spatial dimension or one per dimension (D, H, W order, W last)</param>
public sealed record Padding(PaddingMode Mode, int[] Values)
{
    public static Padding Valid { get; } = new(PaddingMode.Valid, []);
    public static Padding Same { get; } = new(PaddingMode.Same, []);
    public static Padding SameLower { get; } = new(PaddingMode.SameLower, []);

    /// <summary>Explicit padding after each dimension, where given apart from the padding before (<see cref="Values"/>); else null.</summary>
    public int[]? End { get; init; }

    /// <summary>Explicit padding, the same before and after: one value for every spatial dimension, or one per dimension (D, H, W order, W last).</summary>
    public static Padding Explicit(params int[] values) => new(PaddingMode.Explicit, (int[])values.Clone());

    /// <summary>Explicit padding with begin and end apart, each one value for every spatial dimension or one per dimension.</summary>
    public static Padding Explicit(int[] begin, int[] end)
    {
        if (begin.Length == 0 || end.Length == 0 || (begin.Length != end.Length && begin.Length != 1 && end.Length != 1))
            throw new ArgumentException($"padding needs as many begin as end values (or one of either), got {begin.Length} and {end.Length}.");
        return new(PaddingMode.Explicit, (int[])begin.Clone()) { End = (int[])end.Clone() };
    }

    /// <summary>ONNX's <c>pads</c>: [x1_begin, x2_begin, …, x1_end, x2_end].</summary>
    public static Padding FromPads(params int[] pads)
    {
        if (pads.Length == 0 || pads.Length % 2 != 0)
            throw new ArgumentException($"pads needs the begins then the ends of every spatial dimension (an even count), got {pads.Length} values.");
        return Explicit(pads[..(pads.Length / 2)], pads[(pads.Length / 2)..]);
    }

    public static implicit operator Padding(int value) => Explicit(value);
    public static implicit operator Padding((int, int) values) => Explicit(values.Item1, values.Item2);
    public static implicit operator Padding((int, int, int) values) => Explicit(values.Item1, values.Item2, values.Item3);

    /// <summary>Explicit padding with the same zeros before and after every dimension (PyTorch's form).</summary>
    public bool IsSymmetric => Mode == PaddingMode.Explicit && End is null;

    /// <summary>No padding at all, in whatever form.</summary>
    internal bool IsZero => Mode == PaddingMode.Valid || (Mode == PaddingMode.Explicit && Values.All(v => v == 0) && (End ?? []).All(v => v == 0));

    /// <summary>Begin and end padding of every dimension of a convolution or pooling window for the given input, kernel, stride and dilation.</summary>
    internal (Int3 Begin, Int3 End) Resolve(int spatialRank, Int3 input, Int3 kernel, Int3 stride, Int3 dilation, string layer)
    {
        if (Mode is not (PaddingMode.Same or PaddingMode.SameLower)) return ResolveExplicit(spatialRank, layer);
        var d = OutputSize.SamePadding(input.D, kernel.D, stride.D, dilation.D);
        var h = OutputSize.SamePadding(input.H, kernel.H, stride.H, dilation.H);
        var w = OutputSize.SamePadding(input.W, kernel.W, stride.W, dilation.W);
        return Split(d, h, w);
    }

    /// <summary>
    /// Begin and end padding of every dimension of a transposed convolution: explicit zeros are cropped from its output;
    /// same gives out = in · stride (ONNX ConvTranspose's auto_pad).
    /// </summary>
    internal (Int3 Begin, Int3 End) ResolveTransposed(int spatialRank, Int3 kernel, Int3 stride, Int3 dilation, Int3 outputPadding, string layer)
    {
        if (Mode is not (PaddingMode.Same or PaddingMode.SameLower)) return ResolveExplicit(spatialRank, layer);
        var d = OutputSize.TransposedSamePadding(kernel.D, stride.D, dilation.D, outputPadding.D);
        var h = OutputSize.TransposedSamePadding(kernel.H, stride.H, dilation.H, outputPadding.H);
        var w = OutputSize.TransposedSamePadding(kernel.W, stride.W, dilation.W, outputPadding.W);
        if (d.Begin < 0 || h.Begin < 0 || w.Begin < 0 || d.End < 0 || h.End < 0 || w.End < 0)
            throw new ArgumentException($"{layer}: padding '{this}' needs a kernel extent d·(k - 1) + 1 + output_padding of at least the stride along every dimension.");
        return Split(d, h, w);
    }

    /// <summary>Same padding's odd row after (Same) or before (SameLower).</summary>
    private (Int3 Begin, Int3 End) Split((int Begin, int End) d, (int Begin, int End) h, (int Begin, int End) w) => Mode == PaddingMode.SameLower
        ? (new Int3(d.End, h.End, w.End), new Int3(d.Begin, h.Begin, w.Begin))
        : (new Int3(d.Begin, h.Begin, w.Begin), new Int3(d.End, h.End, w.End));

    private (Int3 Begin, Int3 End) ResolveExplicit(int spatialRank, string layer)
    {
        if (Mode == PaddingMode.Valid) return (default, default);
        var begin = PerDimension(Values, spatialRank, layer);
        return (begin, End is null ? begin : PerDimension(End, spatialRank, layer));
    }

    private static Int3 PerDimension(int[] values, int spatialRank, string layer)
    {
        if (values.Length != 1 && values.Length != spatialRank)
            throw new ArgumentException($"{layer}: padding needs 1 or {spatialRank} values, got {values.Length}.");
        if (values.Any(v => v < 0))
            throw new ArgumentException($"{layer}: padding must be >= 0, got ({string.Join(", ", values)}).");
        return Int3.FromSpatial(values.Length == 1 ? Enumerable.Repeat(values[0], spatialRank).ToArray() : values, fill: 0);
    }

    /// <summary>PyTorch's forms for symmetric padding (1, (1, 2), valid, same); begin and end apart as one (begin, end) pair per dimension.</summary>
    public override string ToString()
    {
        switch (Mode)
        {
            case PaddingMode.SameLower:
                return "same_lower";
            case PaddingMode.Explicit when End is not null:
                int n = Math.Max(Values.Length, End.Length);
                var pairs = Enumerable.Range(0, n).Select(i => $"({At(Values, i)}, {At(End, i)})");
                return n == 1 ? $"({pairs.Single()},)" : "(" + string.Join(", ", pairs) + ")";
            case PaddingMode.Explicit:
                return Values.Length == 1 ? Values[0].ToString() : "(" + string.Join(", ", Values) + ")";
            default:
                return Mode.ToString().ToLowerInvariant();
        }
        static string At(int[] values, int i) => values.Length == 1 ? values[0].ToString() : i < values.Length ? values[i].ToString() : "?";
    }
}
