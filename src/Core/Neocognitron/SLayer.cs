using System.Text.Json.Nodes;
using MlNetConv.Backends;
using MlNetConv.Geometry;
using MlNetConv.Layers;
using MlNetConv.Tensors;

namespace MlNetConv.Neocognitron;

/// <summary>
/// An S-layer U_S of the neocognitron: <see cref="Planes"/> planes of S-cells (feature extractors, one shared set of
/// weights per plane) and one plane of V-cells (inhibitory). With φ(x) = max(x, 0), u_C the input (the previous
/// C-layer, or U_G), n the position, k the plane, κ the input plane, ν the offset inside the k × k connection area:
/// <code>
/// u_S(n, k) = θ/(1−θ) · φ[ (1 + Σ_κ Σ_ν a(ν, κ, k)·u_C(n + ν, κ)) / (1 + θ·b(k)·v(n)) − 1 ]    (Fukushima 2003)
/// v(n)      = sqrt( Σ_κ Σ_ν c(ν)·u_C(n + ν, κ)² )                                             (Fukushima 1980)
/// </code>
/// θ ∈ (0, 1) is the threshold (selectivity): after learning, a cell fires only for inputs within about arccos θ of
/// its reference vector. a (the <c>weight</c>, (planes, Cin, k, k)) and b (the <c>inhibition</c>, (planes)) are learned
/// by <see cref="CompetitiveLearning"/>, not by gradients, so there is no backward pass and no gradient check; c(ν) is
/// the fixed Gaussian <see cref="FixedConnections.Gaussian"/> of spread <see cref="VCellSigma"/>, scaled to sum to 1
/// over the window. Both weighted sums are convolutions on the backend, zero padded to keep the size.
/// Input (N, Cin, H, W), output (N, planes, H, W).
/// </summary>
public sealed class SLayer : Layer
{
    private float _theta;
    private ConvGeometry? _geometry, _vGeometry;
    private Parameter? _weight, _inhibition;
    private Tensor? _vWeight, _excitation, _squares, _vCells, _shunt, _output;

    public SLayer(int planes, int kernelSize, float theta, float vCellSigma = 0f, string? name = null) : base(name)
    {
        if (planes <= 0) throw new ArgumentException($"SLayer: planes must be positive, got {planes}.");
        if (kernelSize <= 0 || kernelSize % 2 == 0) throw new ArgumentException($"SLayer: kernel_size must be odd and positive, got {kernelSize}.");
        if (!(vCellSigma >= 0)) throw new ArgumentException($"SLayer: v_cell_sigma must be positive (or 0 for the default), got {vCellSigma}.");
        Planes = planes;
        KernelSize = kernelSize;
        Theta = theta;
        VCellSigma = vCellSigma > 0 ? vCellSigma : DefaultVCellSigma(kernelSize);
    }

    /// <summary>The spread of c(ν) when none is given: half the connection area's side, a gentle fall-off (at the edge of a 5 × 5 area c is 0.73 of its centre value).</summary>
    public static float DefaultVCellSigma(int kernelSize) => kernelSize / 2f;

    public int Planes { get; }
    public int KernelSize { get; }
    public float VCellSigma { get; }

    /// <summary>
    /// The threshold θ ∈ (0, 1). Fukushima's dual thresholds set a higher θ_L while learning than θ_R while
    /// recognising; the saved value is the one set when the model is saved (θ_R).
    /// </summary>
    public float Theta
    {
        get => _theta;
        set => _theta = value is > 0f and < 1f ? value : throw new ArgumentException($"SLayer '{Name}': theta must lie in (0, 1), got {value}.");
    }

    /// <summary>a(ν, κ, k): (planes, Cin, k, k).</summary>
    public Parameter Weight => _weight ?? throw new InvalidOperationException($"Layer '{Name}' is not built.");

    /// <summary>b(k): (planes).</summary>
    public Parameter Inhibition => _inhibition ?? throw new InvalidOperationException($"Layer '{Name}' is not built.");

    /// <summary>The V-cells v(n) of the last Forward: (N, 1, H, W).</summary>
    public Tensor VCells => _vCells ?? throw new InvalidOperationException($"Layer '{Name}': VCells read before a Forward.");

    private ConvGeometry Geometry => _geometry ?? throw new InvalidOperationException($"Layer '{Name}' is not built.");

    /// <summary>(1, Cin, k, k): c(ν) for every input plane, uploaded at the first Forward (a summary's meta backend holds no values).</summary>
    private Tensor VWeight
    {
        get
        {
            if (_vWeight is not null) return _vWeight;
            var c = FixedConnections.Gaussian(KernelSize, VCellSigma);
            _vWeight = Backend.Allocate(_vGeometry!.WeightShape);
            _vWeight.CopyFrom(Enumerable.Repeat(c, Geometry.InChannels).SelectMany(w => w).ToArray());
            return _vWeight;
        }
    }

    protected override Shape OnBuild(Shape input)
    {
        string layer = $"Layer '{Name}' (SLayer)";
        if (input.Rank != 4) throw new ArgumentException($"{layer}: expected input (N, C, H, W), got {input}.");
        FixedConnections.CheckKernelFits(KernelSize, input, layer);
        int[] k = [KernelSize, KernelSize], one = [1, 1];
        _geometry = ConvGeometry.Create(input, Planes, k, one, one, KernelSize / 2, 1, null, layer);
        _vGeometry = ConvGeometry.Create(input, 1, k, one, one, KernelSize / 2, 1, null, layer);
        _weight = AddParameter("weight", _geometry.WeightShape, null, trainable: false);
        _inhibition = AddParameter("inhibition", new Shape(Planes), null, trainable: false);
        return _geometry.OutputShape(input.N);
    }

    /// <param name="input">(N, Cin, H, W)</param>
    /// <returns>(N, planes, H, W)</returns>
    public override Tensor Forward(Tensor input, bool training)
    {
        CheckInput(input);
        int n = input.Shape.N;
        var excitation = Reuse(ref _excitation, Geometry.OutputShape(n));
        Backend.Convolution.Forward(Geometry, input, Weight.Value, null, excitation);
        var squares = Reuse(ref _squares, input.Shape);
        Backend.Elementwise.Multiply(input, input, squares);
        var v = Reuse(ref _vCells, _vGeometry!.OutputShape(n));
        Backend.Convolution.Forward(_vGeometry, squares, VWeight, null, v);
        Backend.Activation.Forward(new PowerOp(0.5f), v, v);
        var shunt = Reuse(ref _shunt, excitation.Shape);
        Backend.Elementwise.Broadcast(new MultiplyOp(), Inhibition.Value.Reshape(new Shape(1, Planes, 1, 1)), v, shunt);
        var output = Reuse(ref _output, excitation.Shape);
        Backend.Elementwise.Broadcast(new SCellResponseOp(Theta), excitation, shunt, output);
        return output;
    }

    public override Tensor? Backward(Tensor outputGrad) =>
        throw new NotSupportedException($"Layer '{Name}' (SLayer) learns by competitive learning ({nameof(CompetitiveLearning)}), not by gradients.");

    public override LayerStats Stats
    {
        get
        {
            var g = Geometry;
            long window = (long)g.InChannels * g.KernelVolume;
            long macs = g.Output.Volume * (Planes + 1) * window;
            return new LayerStats(macs + g.Output.Volume * Planes, macs, g.WindowExtent, g.Stride);
        }
    }

    public override void WriteConfig(JsonObject config)
    {
        config["planes"] = Planes;
        config["kernelSize"] = KernelSize;
        config["theta"] = Theta;
        config["vCellSigma"] = VCellSigma;
    }

    public override string ToString() => $"SLayer({(IsBuilt ? $"{Geometry.InChannels}, " : "")}{Planes}, kernel_size={KernelSize}, theta={Theta})";
}
