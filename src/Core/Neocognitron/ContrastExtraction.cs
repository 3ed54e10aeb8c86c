using System.Text.Json.Nodes;
using MlNetConv.Backends;
using MlNetConv.Geometry;
using MlNetConv.Layers;
using MlNetConv.Tensors;

namespace MlNetConv.Neocognitron;

/// <summary>
/// The contrast-extracting layer U_G of the neocognitron (Fukushima 2003): an on-centre and an off-centre plane,
/// u_G(n, k) = φ[(−1)^k Σ_ν a_G(ν)·u_0(n + ν)], k = 0 (on-centre), 1 (off-centre), with a_G the zero-sum
/// centre-surround kernel of <see cref="FixedConnections.CentreSurround"/> and φ(x) = max(x, 0). Zero padding keeps
/// the size. Input (N, 1, H, W), output (N, 2, H, W). Nothing is learned, so there is no gradient to check; Backward
/// throws.
/// </summary>
public sealed class ContrastExtraction : Layer
{
    private ConvGeometry? _geometry;
    private Tensor? _kernel, _output;

    public ContrastExtraction(int kernelSize = 7, float centreSigma = 1f, float surroundSigma = 2f, string? name = null) : base(name)
    {
        if (kernelSize <= 0 || kernelSize % 2 == 0) throw new ArgumentException($"ContrastExtraction: kernel_size must be odd and positive, got {kernelSize}.");
        if (!(centreSigma > 0) || !(surroundSigma > centreSigma))
            throw new ArgumentException($"ContrastExtraction: need 0 < centre_sigma < surround_sigma, got {centreSigma} and {surroundSigma}.");
        KernelSize = kernelSize;
        CentreSigma = centreSigma;
        SurroundSigma = surroundSigma;
    }

    public int KernelSize { get; }
    public float CentreSigma { get; }
    public float SurroundSigma { get; }

    private ConvGeometry Geometry => _geometry ?? throw new InvalidOperationException($"Layer '{Name}' is not built.");

    /// <summary>(2, 1, k, k): a_G and −a_G, uploaded at the first Forward (a summary's meta backend holds no values).</summary>
    private Tensor Kernel
    {
        get
        {
            if (_kernel is not null) return _kernel;
            var on = FixedConnections.CentreSurround(KernelSize, CentreSigma, SurroundSigma);
            _kernel = Backend.Allocate(Geometry.WeightShape);
            _kernel.CopyFrom([.. on, .. on.Select(a => -a)]);
            return _kernel;
        }
    }

    protected override Shape OnBuild(Shape input)
    {
        if (input.Rank != 4 || input.C != 1)
            throw new ArgumentException($"Layer '{Name}' (ContrastExtraction): expected a grey image (N, 1, H, W), got {input}.");
        FixedConnections.CheckKernelFits(KernelSize, input, $"Layer '{Name}' (ContrastExtraction)");
        _geometry = ConvGeometry.Create(input, 2, [KernelSize, KernelSize], [1, 1], [1, 1], KernelSize / 2, 1, null, $"Layer '{Name}' (ContrastExtraction)");
        return _geometry.OutputShape(input.N);
    }

    /// <param name="input">(N, 1, H, W)</param>
    /// <returns>(N, 2, H, W): on-centre, off-centre</returns>
    public override Tensor Forward(Tensor input, bool training)
    {
        CheckInput(input);
        var output = Reuse(ref _output, Geometry.OutputShape(input.Shape.N));
        Backend.Convolution.Forward(Geometry, input, Kernel, null, output);
        Backend.Activation.Forward(new ReluOp(), output, output);
        return output;
    }

    public override Tensor? Backward(Tensor outputGrad) =>
        throw new NotSupportedException($"Layer '{Name}' (ContrastExtraction) has fixed connections and no backward pass.");

    public override LayerStats Stats
    {
        get
        {
            var g = Geometry;
            long macs = g.Output.Volume * 2L * g.KernelVolume;
            return new LayerStats(macs, macs, g.WindowExtent, g.Stride);
        }
    }

    public override void WriteConfig(JsonObject config)
    {
        config["kernelSize"] = KernelSize;
        config["centreSigma"] = CentreSigma;
        config["surroundSigma"] = SurroundSigma;
    }

    public override string ToString() => $"ContrastExtraction(kernel_size={KernelSize}, centre_sigma={CentreSigma}, surround_sigma={SurroundSigma})";
}
