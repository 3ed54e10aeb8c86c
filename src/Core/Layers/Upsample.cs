using System.Globalization;
using System.Text.Json.Nodes;
using MlNetConv.Geometry;
using MlNetConv.Tensors;

namespace MlNetConv.Layers;

/// <summary>
/// Upsampling of (N, C, L), (N, C, H, W) or (N, C, D, H, W) by a scale factor (out = floor(in · scale)) or to a target
/// size, with nearest or linear (bilinear, trilinear) interpolation, as PyTorch's <c>nn.Upsample</c>: align corners
/// maps the corner pixels of input and output onto each other, without it pixel centres are scaled (the default).
/// Source positions: <see cref="UpsampleGeometry"/>. No weights.
/// </summary>
public sealed class Upsample : Layer
{
    private UpsampleGeometry? _geometry;
    private Tensor? _output, _inputGrad;
    private Shape _inputShape;

    /// <summary>Upsampling by the same factor along every spatial axis.</summary>
    public Upsample(double scaleFactor, UpsampleMode mode = UpsampleMode.Nearest, bool alignCorners = false, string? name = null)
        : this([scaleFactor], null, mode, alignCorners, name) { }

    /// <summary>Upsampling to a size: one extent for every spatial axis, or one per axis (W last).</summary>
    public Upsample(int[] size, UpsampleMode mode = UpsampleMode.Nearest, bool alignCorners = false, string? name = null)
        : this(null, size, mode, alignCorners, name) { }

    /// <summary>Either per-axis scale factors or a size (the other null).</summary>
    public Upsample(double[]? scaleFactor, int[]? size, UpsampleMode mode, bool alignCorners, string? name = null) : base(name)
    {
        if ((scaleFactor is null) == (size is null)) throw new ArgumentException("Upsample: give either a scale factor or a size, not both or neither.");
        if (scaleFactor is not null && scaleFactor.Any(s => !(s > 0) || double.IsInfinity(s)))
            throw new ArgumentException($"Upsample: scale factors must be positive, got ({string.Join(", ", scaleFactor)}).");
        if (size is not null && size.Any(s => s <= 0)) throw new ArgumentException($"Upsample: size must be positive, got ({string.Join(", ", size)}).");
        if (mode == UpsampleMode.Nearest && alignCorners) throw new ArgumentException("Upsample: align_corners only applies to linear interpolation, not to nearest.");
        ScaleFactor = scaleFactor;
        Size = size;
        Mode = mode;
        AlignCorners = alignCorners;
    }

    public double[]? ScaleFactor { get; }
    public int[]? Size { get; }
    public UpsampleMode Mode { get; }
    public bool AlignCorners { get; }
    public UpsampleGeometry Geometry => _geometry ?? throw new InvalidOperationException($"Layer '{Name}' is not built.");

    protected override Shape OnBuild(Shape input)
    {
        _geometry = UpsampleGeometry.Create(input, ScaleFactor, Size, Mode, AlignCorners, $"Layer '{Name}' ({TypeName})");
        return _geometry.OutputShape(input.N);
    }

    public override LayerStats Stats
    {
        get
        {
            var g = Geometry;
            int taps = Mode == UpsampleMode.Nearest ? 1 : 1 << g.SpatialRank;
            int extent = Mode == UpsampleMode.Nearest ? 1 : 2;
            static int Factor(int output, int input) => Math.Max(1, (int)Math.Round((double)output / input));
            var window = new Int3(g.SpatialRank >= 3 ? extent : 1, g.SpatialRank >= 2 ? extent : 1, extent);
            return new LayerStats(OutputShape.Size * (long)taps, 0, window, Int3.One)
            {
                Upsampling = new Int3(Factor(g.Output.D, g.Input.D), Factor(g.Output.H, g.Input.H), Factor(g.Output.W, g.Input.W)),
            };
        }
    }

    public override Tensor Forward(Tensor input, bool training)
    {
        CheckInput(input);
        var output = Reuse(ref _output, Geometry.OutputShape(input.Shape.N));
        Backend.Upsampling.Forward(Geometry, input, output);
        _inputShape = input.Shape;
        return output;
    }

    public override Tensor? Backward(Tensor outputGrad)
    {
        if (!InputGradRequired) return null;
        var inputGrad = Reuse(ref _inputGrad, _inputShape);
        Backend.Upsampling.Backward(Geometry, outputGrad, inputGrad);
        return inputGrad;
    }

    public override void WriteConfig(JsonObject config)
    {
        if (ScaleFactor is not null) config["scaleFactor"] = new JsonArray(ScaleFactor.Select(s => (JsonNode?)JsonValue.Create(s)).ToArray());
        if (Size is not null) config["size"] = Json.Ints(Size);
        config["mode"] = Mode.ToString();
        config["alignCorners"] = AlignCorners;
    }

    public override string ToString()
    {
        var inv = CultureInfo.InvariantCulture;
        string target = ScaleFactor is not null
            ? "scale_factor=" + (ScaleFactor.Distinct().Count() == 1 ? ScaleFactor[0].ToString(inv) : "(" + string.Join(", ", ScaleFactor.Select(s => s.ToString(inv))) + ")")
            : "size=" + Json.Text(Size!);
        int rank = _geometry?.SpatialRank ?? 2;
        string mode = Mode == UpsampleMode.Nearest ? "nearest" : rank switch { 1 => "linear", 3 => "trilinear", _ => "bilinear" };
        return $"Upsample({target}, mode='{mode}'{(AlignCorners ? ", align_corners=True" : "")})";
    }
}
