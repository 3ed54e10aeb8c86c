namespace MlNetConv.Geometry;

public enum PaddingMode
{
    /// <summary>Explicit zero padding per spatial dimension, the same before and after.</summary>
    Explicit,
    /// <summary>No padding: only windows that fit entirely inside the input.</summary>
    Valid,
    /// <summary>Pad so that output = ceil(input / stride); an odd total puts the extra row after (TensorFlow, ONNX SAME_UPPER).</summary>
    Same,
}

/// <summary>How a convolution or pooling window is padded.</summary>
public sealed record Padding(PaddingMode Mode, int[] Values)
{
    public static Padding Valid { get; } = new(PaddingMode.Valid, []);
    public static Padding Same { get; } = new(PaddingMode.Same, []);

    /// <summary>Explicit padding: one value for every spatial dimension, or one per dimension (D, H, W order, W last).</summary>
    public static Padding Explicit(params int[] values) => new(PaddingMode.Explicit, values);

    public static implicit operator Padding(int value) => Explicit(value);

    /// <summary>Begin and end padding of every dimension for the given input, kernel, stride and dilation.</summary>
    internal (Int3 Begin, Int3 End) Resolve(int spatialRank, Int3 input, Int3 kernel, Int3 stride, Int3 dilation, string layer)
    {
        switch (Mode)
        {
            case PaddingMode.Valid:
                return (new Int3(0, 0, 0), new Int3(0, 0, 0));
            case PaddingMode.Same:
                var d = OutputSize.SamePadding(input.D, kernel.D, stride.D, dilation.D);
                var h = OutputSize.SamePadding(input.H, kernel.H, stride.H, dilation.H);
                var w = OutputSize.SamePadding(input.W, kernel.W, stride.W, dilation.W);
                return (new Int3(d.Begin, h.Begin, w.Begin), new Int3(d.End, h.End, w.End));
            default:
                if (Values.Length != 1 && Values.Length != spatialRank)
                    throw new ArgumentException($"{layer}: padding needs 1 or {spatialRank} values, got {Values.Length}.");
                if (Values.Any(v => v < 0))
                    throw new ArgumentException($"{layer}: padding must be >= 0, got ({string.Join(", ", Values)}).");
                var p = Values.Length == 1 ? Enumerable.Repeat(Values[0], spatialRank).ToArray() : Values;
                var pad = Int3.FromSpatial(p, fill: 0);
                return (pad, pad);
        }
    }

    public override string ToString() => Mode == PaddingMode.Explicit ? (Values.Length == 1 ? Values[0].ToString() : "(" + string.Join(", ", Values) + ")") : Mode.ToString().ToLowerInvariant();
}
