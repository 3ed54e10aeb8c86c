using MlNetConv.Tensors;

namespace MlNetConv.Geometry;

/// <summary>How <see cref="UpsampleGeometry"/> reads the input.</summary>
public enum UpsampleMode
{
    /// <summary>Each output copies the input pixel its position falls in (PyTorch's <c>nearest</c>).</summary>
    Nearest,
    /// <summary>Linear interpolation along every spatial axis: linear in 1D, bilinear in 2D, trilinear in 3D.</summary>
    Linear,
}

/// <summary>
/// Along one axis, for every output index: the two input indices it interpolates between and the weight of the
/// second (the first gets 1 - weight). Nearest has Lo = Hi and weight 0.
/// </summary>
public sealed record UpsampleTaps(int[] Lo, int[] Hi, float[] HiWeight);

/// <summary>
/// Upsampling of 1..3 spatial dimensions to a target size or by a scale factor, resolved against one input extent:
/// output extents and, per axis, which input indices each output reads. Source positions follow PyTorch's
/// <c>interpolate</c>: with r = in/out for a target size or 1/scale for a scale factor,
/// nearest reads min(floor(o·r), in - 1); linear reads at x = (o + ½)·r - ½ clamped at 0, or with align corners
/// at x = o·(in - 1)/(out - 1), so that the corner pixels of input and output coincide.
/// </summary>
public sealed class UpsampleGeometry
{
    private UpsampleGeometry() { }

    public int SpatialRank { get; private init; }
    public int Channels { get; private init; }
    public Int3 Input { get; private init; }
    public Int3 Output { get; private init; }
    public UpsampleMode Mode { get; private init; }
    public bool AlignCorners { get; private init; }
    public UpsampleTaps D { get; private init; } = null!;
    public UpsampleTaps H { get; private init; } = null!;
    public UpsampleTaps W { get; private init; } = null!;

    public Shape OutputShape(int batch) => new([batch, Channels, .. Output.ToArray(SpatialRank)]);

    /// <param name="input">(N, C, spatial...)</param>
    /// <param name="scaleFactor">one value for every spatial axis or one per axis; null when <paramref name="size"/> is given</param>
    /// <param name="size">the output extent, one value for every spatial axis or one per axis; null when scaling</param>
    public static UpsampleGeometry Create(Shape input, double[]? scaleFactor, int[]? size, UpsampleMode mode, bool alignCorners, string layer)
    {
        int rank = input.SpatialRank;
        if (rank is < 1 or > 3)
            throw new ArgumentException($"{layer}: expected input (N, C, L), (N, C, H, W) or (N, C, D, H, W), got shape {input}.");
        if ((scaleFactor is null) == (size is null))
            throw new ArgumentException($"{layer}: give either a scale factor or a size, not both or neither.");
        if (mode == UpsampleMode.Nearest && alignCorners)
            throw new ArgumentException($"{layer}: align_corners only applies to linear interpolation, not to nearest.");
        var given = (IReadOnlyCollection<double>?)scaleFactor ?? size!.Select(v => (double)v).ToArray();
        if (given.Count != 1 && given.Count != rank)
            throw new ArgumentException($"{layer}: {(scaleFactor is null ? "size" : "scale factor")} needs 1 or {rank} values, got {given.Count}.");
        if (given.Any(v => !(v > 0) || double.IsInfinity(v)))
            throw new ArgumentException($"{layer}: {(scaleFactor is null ? "size" : "scale factor")} must be positive, got ({string.Join(", ", given)}).");

        var inExtent = input.Skip(2).ToArray();
        var outExtent = new int[rank];
        var taps = new UpsampleTaps[rank];
        for (int a = 0; a < rank; a++)
        {
            double? scale = scaleFactor is null ? null : scaleFactor[scaleFactor.Length == 1 ? 0 : a];
            outExtent[a] = scale is { } s ? OutputSize.Scaled(inExtent[a], s) : size![size.Length == 1 ? 0 : a];
            if (outExtent[a] <= 0)
                throw new ArgumentException($"{layer}: input {input} scaled by {scale} has an empty output.");
            taps[a] = Taps(inExtent[a], outExtent[a], scale, mode, alignCorners);
        }
        var none = Taps(1, 1, null, mode, false);
        return new UpsampleGeometry
        {
            SpatialRank = rank, Channels = input.C, Input = Int3.FromSpatial(inExtent), Output = Int3.FromSpatial(outExtent),
            Mode = mode, AlignCorners = alignCorners,
            D = rank >= 3 ? taps[rank - 3] : none, H = rank >= 2 ? taps[rank - 2] : none, W = taps[rank - 1],
        };
    }

    private static UpsampleTaps Taps(int input, int output, double? scale, UpsampleMode mode, bool alignCorners)
    {
        var lo = new int[output];
        var hi = new int[output];
        var weight = new float[output];
        // PyTorch uses the given scale factor for the source positions, not in/out (they differ when in·scale is fractional).
        double ratio = scale is { } s ? 1.0 / s : (double)input / output;
        for (int o = 0; o < output; o++)
        {
            if (mode == UpsampleMode.Nearest)
            {
                lo[o] = hi[o] = Math.Min((int)Math.Floor(o * ratio), input - 1);
                continue;
            }
            double x = alignCorners
                ? (output > 1 ? o * (input - 1.0) / (output - 1) : 0)
                : Math.Max(0, (o + 0.5) * ratio - 0.5);
            lo[o] = Math.Min((int)x, input - 1);
            hi[o] = Math.Min(lo[o] + 1, input - 1);
            weight[o] = hi[o] == lo[o] ? 0f : (float)(x - lo[o]);
        }
        return new UpsampleTaps(lo, hi, weight);
    }
}
