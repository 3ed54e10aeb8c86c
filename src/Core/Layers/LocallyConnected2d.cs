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
/// convolution with the same window, and as many multiply-accumulates. Kernel, stride and dilation are an int or (H, W);
/// padding as a convolution's (<see cref="Geometry.Padding"/>).
/// </summary>
public sealed class LocallyConnected2d : Layer, IInitializedLayer
{
    private ConvGeometry? _geometry;
    private Parameter? _weight, _bias;
    private Tensor? _input, _output, _inputGrad;

    /// <param name="stride">null: 1</param>
    /// <param name="dilation">null: 1</param>
    public LocallyConnected2d(int outChannels, Size kernelSize, Size? stride = null, Padding? padding = null, Size? dilation = null, bool bias = true,
        string? name = null) : base(name)
    {
        if (outChannels <= 0) throw new ArgumentException($"LocallyConnected2d: out_channels must be positive, got {outChannels}.");
        OutChannels = outChannels;
        KernelSize = kernelSize.ForRank(2, "kernel_size", "LocallyConnected2d");
        Stride = stride?.ForRank(2, "stride", "LocallyConnected2d") ?? [1, 1];
        Padding = padding ?? 0;
        Dilation = dilation?.ForRank(2, "dilation", "LocallyConnected2d") ?? [1, 1];
        HasBias = bias;
    }

    public int OutChannels { get; }
    public int[] KernelSize { get; }
    public int[] Stride { get; }
    public Padding Padding { get; }
    public int[] Dilation { get; }
    public bool HasBias { get; }
    public IInitializer WeightInit { get; set; } = Initializers.PyTorchDefault();
    public IInitializer BiasInit { get; set; } = Initializers.PyTorchDefault();
    public ConvGeometry Geometry => _geometry ?? throw new InvalidOperationException($"Layer '{Name}' is not built.");
    public Parameter Weight => _weight ?? throw new InvalidOperationException($"Layer '{Name}' is not built.");
    public Parameter? Bias => _bias;

    protected override Shape OnBuild(Shape input)
    {
        var g = ConvGeometry.Create(input, OutChannels, KernelSize, Stride, Dilation, Padding, 1, null,
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
            return new LayerStats(macs + (HasBias ? (long)g.Output.Volume * OutChannels : 0), macs, g.WindowExtent, g.Stride);
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
        config["kernelSize"] = Json.Ints(KernelSize);
        config["stride"] = Json.Ints(Stride);
        config["padding"] = Json.Padding(Padding);
        config["dilation"] = Json.Ints(Dilation);
        config["bias"] = HasBias;
    }

    public override string ToString()
    {
        var parts = new List<string> { IsBuilt ? $"{Geometry.InChannels}, {OutChannels}" : $"{OutChannels}", $"kernel_size={Json.Text(KernelSize)}" };
        if (Stride.Any(s => s != 1)) parts.Add($"stride={Json.Text(Stride)}");
        if (!Padding.IsZero) parts.Add($"padding={Padding}");
        if (Dilation.Any(d => d != 1)) parts.Add($"dilation={Json.Text(Dilation)}");
        if (!HasBias) parts.Add("bias=False");
        return $"LocallyConnected2d({string.Join(", ", parts)})";
    }
}
