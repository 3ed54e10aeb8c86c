using System.Text.Json.Nodes;
using MlNetConv.Geometry;
using MlNetConv.Init;
using MlNetConv.Tensors;

namespace MlNetConv.Layers;

/// <summary>
/// A locally connected layer (DeepFace, Keras' LocallyConnected2D): a convolution whose weights are not shared — every
/// output position has its own filter bank and its own biases. Input (N, Cin, H, W), output (N, Cout, OutH, OutW) with
/// the convolution's extent (<see cref="OutputSize.Compute"/>); weight (OutH·OutW, Cout, Cin·kh·kw), the taps of one
/// input channel contiguous in (kh, kw) order; bias (Cout, OutH, OutW). So OutH·OutW times the weights of the
/// convolution with the same window, and as many multiply-accumulates.
/// </summary>
public sealed class LocallyConnected2d : Layer, IInitializedLayer
{
    private ConvGeometry? _geometry;
    private Parameter? _weight, _bias;
    private Tensor? _input, _output, _inputGrad;

    public LocallyConnected2d(int outChannels, int kernelSize, int stride = 1, int padding = 0, bool bias = true, string? name = null) : base(name)
    {
        if (outChannels <= 0) throw new ArgumentException($"LocallyConnected2d: out_channels must be positive, got {outChannels}.");
        OutChannels = outChannels;
        KernelSize = kernelSize;
        Stride = stride;
        PaddingSize = padding;
        HasBias = bias;
    }

    public int OutChannels { get; }
    public int KernelSize { get; }
    public int Stride { get; }
    public int PaddingSize { get; }
    public bool HasBias { get; }
    public IInitializer WeightInit { get; set; } = Initializers.PyTorchDefault();
    public IInitializer BiasInit { get; set; } = Initializers.PyTorchDefault();
    public ConvGeometry Geometry => _geometry ?? throw new InvalidOperationException($"Layer '{Name}' is not built.");
    public Parameter Weight => _weight ?? throw new InvalidOperationException($"Layer '{Name}' is not built.");
    public Parameter? Bias => _bias;

    protected override Shape OnBuild(Shape input)
    {
        var g = ConvGeometry.Create(input, OutChannels, [KernelSize, KernelSize], [Stride, Stride], [1, 1], PaddingSize, 1, null,
            $"Layer '{Name}' (LocallyConnected2d)");
        _geometry = g;
        int fanIn = g.InChannels * g.KernelVolume, fanOut = OutChannels * g.KernelVolume;
        _weight = AddParameter("weight", new Shape(g.Output.Volume, OutChannels, fanIn), WeightInit, fanIn, fanOut);
        if (HasBias) _bias = AddParameter("bias", new Shape(OutChannels, g.Output.H, g.Output.W), BiasInit, fanIn, fanOut);
        return g.OutputShape(input.N);
    }

    public override LayerStats Stats
    {
        get
        {
            var g = Geometry;
            long macs = (long)g.Output.Volume * OutChannels * g.InChannels * g.KernelVolume;
            return new LayerStats(macs + (HasBias ? (long)g.Output.Volume * OutChannels : 0), macs, g.Kernel, g.Stride);
        }
    }

    public override Tensor Forward(Tensor input, bool training)
    {
        CheckInput(input);
        var output = Reuse(ref _output, Geometry.OutputShape(input.Shape.N));
        Backend.LocallyConnected.Forward(Geometry, input, Weight.Value, _bias?.Value, output);
        _input = input;
        return output;
    }

    public override Tensor? Backward(Tensor outputGrad)
    {
        var input = Saved(_input, Name);
        Backend.LocallyConnected.BackwardWeights(Geometry, input, outputGrad, Weight.Grad!, _bias?.Grad);
        if (!InputGradRequired) return null;
        var inputGrad = Reuse(ref _inputGrad, input.Shape);
        Backend.LocallyConnected.BackwardData(Geometry, outputGrad, Weight.Value, inputGrad);
        return inputGrad;
    }

    public override void WriteConfig(JsonObject config)
    {
        config["outChannels"] = OutChannels;
        config["kernelSize"] = KernelSize;
        config["stride"] = Stride;
        config["padding"] = PaddingSize;
        config["bias"] = HasBias;
    }

    public override string ToString()
    {
        var parts = new List<string> { IsBuilt ? $"{Geometry.InChannels}, {OutChannels}" : $"{OutChannels}", $"kernel_size={KernelSize}" };
        if (Stride != 1) parts.Add($"stride={Stride}");
        if (PaddingSize != 0) parts.Add($"padding={PaddingSize}");
        if (!HasBias) parts.Add("bias=False");
        return $"LocallyConnected2d({string.Join(", ", parts)})";
    }
}
