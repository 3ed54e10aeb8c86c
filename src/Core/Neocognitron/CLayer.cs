using System.Text.Json.Nodes;
using MlNetConv.Geometry;
using MlNetConv.Layers;
using MlNetConv.Tensors;

namespace MlNetConv.Neocognitron;

/// <summary>
/// A C-layer U_C of the neocognitron: each plane blurs and subsamples the S-plane below it, then saturates
/// (Fukushima 2003): u_C(n, k) = ψ[ g · Σ_ν d(ν)·u_S(s·n + ν, k) ], ψ(x) = φ(x)/(1 + φ(x)), where d is the fixed
/// Gaussian <see cref="FixedConnections.Gaussian"/> of spread <see cref="Sigma"/> (summing to 1), s the stride and g
/// the <see cref="Gain"/>. The blur is what makes the network tolerate shifts and deformations: a feature that moves
/// by less than the blur still reaches the same C-cell. Computed as a depthwise convolution (groups = planes) with
/// zero padding k/2, then <see cref="SaturationOp"/>. Input (N, C, H, W), output (N, C, H', W') with
/// H' = floor((H − 1)/s) + 1 (<see cref="OutputSize"/>). Nothing is learned: no backward pass, no gradient check.
/// </summary>
public sealed class CLayer : Layer
{
    private ConvGeometry? _geometry;
    private Tensor? _kernel, _output;

    public CLayer(int kernelSize, int stride, float sigma = 0f, float gain = 1f, string? name = null) : base(name)
    {
        if (kernelSize <= 0 || kernelSize % 2 == 0) throw new ArgumentException($"CLayer: kernel_size must be odd and positive, got {kernelSize}.");
        if (stride <= 0) throw new ArgumentException($"CLayer: stride must be positive, got {stride}.");
        if (!(sigma >= 0)) throw new ArgumentException($"CLayer: sigma must be positive (or 0 for kernel_size / 4), got {sigma}.");
        if (!(gain > 0)) throw new ArgumentException($"CLayer: gain must be positive, got {gain}.");
        KernelSize = kernelSize;
        Stride = stride;
        Sigma = sigma > 0 ? sigma : kernelSize / 4f;
        Gain = gain;
    }

    public int KernelSize { get; }
    public int Stride { get; }
    public float Sigma { get; }
    public float Gain { get; }

    private ConvGeometry Geometry => _geometry ?? throw new InvalidOperationException($"Layer '{Name}' is not built.");

    /// <summary>(C, 1, k, k): g·d(ν) for every plane, uploaded at the first Forward (a summary's meta backend holds no values).</summary>
    private Tensor Kernel
    {
        get
        {
            if (_kernel is not null) return _kernel;
            var d = FixedConnections.Gaussian(KernelSize, Sigma).Select(w => w * Gain).ToArray();
            _kernel = Backend.Allocate(Geometry.WeightShape);
            _kernel.CopyFrom(Enumerable.Repeat(d, Geometry.OutChannels).SelectMany(w => w).ToArray());
            return _kernel;
        }
    }

    protected override Shape OnBuild(Shape input)
    {
        string layer = $"Layer '{Name}' (CLayer)";
        if (input.Rank != 4) throw new ArgumentException($"{layer}: expected input (N, C, H, W), got {input}.");
        FixedConnections.CheckKernelFits(KernelSize, input, layer);
        _geometry = ConvGeometry.Create(input, input.C, [KernelSize, KernelSize], [Stride, Stride], [1, 1], KernelSize / 2, input.C, null, layer);
        return _geometry.OutputShape(input.N);
    }

    /// <param name="input">(N, C, H, W)</param>
    /// <returns>(N, C, H', W')</returns>
    public override Tensor Forward(Tensor input, bool training)
    {
        CheckInput(input);
        var output = Reuse(ref _output, Geometry.OutputShape(input.Shape.N));
        Backend.Convolution.Forward(Geometry, input, Kernel, null, output);
        Backend.Activation.Forward(new SaturationOp(), output, output);
        return output;
    }

    public override Tensor? Backward(Tensor outputGrad) =>
        throw new NotSupportedException($"Layer '{Name}' (CLayer) has fixed connections and no backward pass.");

    public override LayerStats Stats
    {
        get
        {
            var g = Geometry;
            long macs = g.Output.Volume * g.OutChannels * (long)g.KernelVolume;
            return new LayerStats(macs, macs, g.WindowExtent, g.Stride);
        }
    }

    public override void WriteConfig(JsonObject config)
    {
        config["kernelSize"] = KernelSize;
        config["stride"] = Stride;
        config["sigma"] = Sigma;
        config["gain"] = Gain;
    }

    public override string ToString() => $"CLayer(kernel_size={KernelSize}, stride={Stride}, sigma={Sigma}, gain={Gain})";
}
