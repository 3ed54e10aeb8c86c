using System.Diagnostics;
using System.Text.Json.Nodes;
using MlNetConv.Geometry;
using MlNetConv.Init;
using MlNetConv.Tensors;

namespace MlNetConv.Layers;

/// <summary>
/// Transposed convolution over 1..3 spatial dimensions (PyTorch's ConvTranspose, the "deconvolution" of FCN): the
/// adjoint of the convolution with the same kernel, stride, padding, dilation and groups that maps the output extent
/// back onto the input. Each input pixel adds its kernel, scaled by its value, into the output at stride s.
/// Input (N, Cin, spatial...), output (N, Cout, outSpatial...) with
/// out = (in - 1)s - 2p + d(k - 1) + outputPadding + 1 (<see cref="OutputSize.Transposed"/>); weight (Cin, Cout/groups, k...)
/// as in PyTorch. outputPadding (less than the stride) adds rows at the end to choose among the sizes that all
/// convolve back to the input size.
/// <para>
/// It runs on the convolution kernels with roles swapped, for the convolution c from (N, Cout, out...) to
/// (N, Cin, in...): forward is c's input gradient, the input gradient is c's forward, and the weight gradient is c's
/// weight gradient with the output gradient as c's input and this layer's input as c's output gradient.
/// </para>
/// </summary>
public abstract class ConvTranspose : Layer, IInitializedLayer
{
    private ConvGeometry? _adjoint;
    private Parameter? _weight, _bias;
    private Tensor? _input, _output, _inputGrad;

    protected ConvTranspose(int outChannels, int[] kernelSize, int[] stride, int[] padding, int[] outputPadding, int[] dilation, int groups,
        bool bias, string? name) : base(name)
    {
        string type = GetType().Name;
        if (outChannels <= 0) throw new ArgumentException($"{type}: out_channels must be positive, got {outChannels}.");
        if (groups <= 0) throw new ArgumentException($"{type}: groups must be positive, got {groups}.");
        if (outChannels % groups != 0) throw new ArgumentException($"{type}: out_channels must be divisible by groups ({outChannels} % {groups} != 0).");
        if (padding.Any(p => p < 0)) throw new ArgumentException($"{type}: padding must be >= 0, got ({string.Join(", ", padding)}).");
        for (int i = 0; i < stride.Length; i++)
            if (outputPadding[i] < 0 || outputPadding[i] >= stride[i])
                throw new ArgumentException($"{type}: output_padding must be >= 0 and smaller than the stride, got output_padding {outputPadding[i]} for stride {stride[i]}.");
        OutChannels = outChannels;
        KernelSize = kernelSize;
        Stride = stride;
        PaddingSize = padding;
        OutputPadding = outputPadding;
        Dilation = dilation;
        Groups = groups;
        HasBias = bias;
    }

    public int OutChannels { get; }
    public int[] KernelSize { get; }
    public int[] Stride { get; }
    public int[] PaddingSize { get; }
    public int[] OutputPadding { get; }
    public int[] Dilation { get; }
    public int Groups { get; }
    public bool HasBias { get; }

    /// <summary>Weight initialization; PyTorch's default U(±1/sqrt(fanIn)), fanIn = Cout/groups · k, unless set (FCN: <see cref="Initializers.Bilinear"/>).</summary>
    public IInitializer WeightInit { get; set; } = Initializers.PyTorchDefault();

    public IInitializer BiasInit { get; set; } = Initializers.PyTorchDefault();

    /// <summary>The convolution this layer is the transpose of: from (N, Cout, outSpatial...) to (N, Cin, spatial...).</summary>
    public ConvGeometry Adjoint => _adjoint ?? throw new InvalidOperationException($"Layer '{Name}' is not built.");

    public Parameter Weight => _weight ?? throw new InvalidOperationException($"Layer '{Name}' is not built.");
    public Parameter? Bias => _bias;

    protected override Shape OnBuild(Shape input)
    {
        string layer = $"Layer '{Name}' ({TypeName})";
        int rank = KernelSize.Length;
        if (input.Rank != rank + 2)
            throw new ArgumentException($"{layer}: expected input of rank {rank + 2} (N, C, {ConvGeometry.SpatialNames(rank)}), got shape {input}.");
        if (input.C % Groups != 0) throw new ArgumentException($"{layer}: in_channels must be divisible by groups ({input.C} % {Groups} != 0).");
        ConvGeometry.CheckPositive(KernelSize, "kernel_size", layer);
        ConvGeometry.CheckPositive(Stride, "stride", layer);
        ConvGeometry.CheckPositive(Dilation, "dilation", layer);
        var outExtent = new int[rank];
        for (int i = 0; i < rank; i++)
            outExtent[i] = OutputSize.Transposed(input[2 + i], KernelSize[i], Stride[i], PaddingSize[i], Dilation[i], OutputPadding[i]);
        if (outExtent.Any(e => e <= 0))
            throw new ArgumentException($"{layer}: input {input} with kernel {Json.Text(KernelSize)} and padding {Json.Text(PaddingSize)} gives an empty output.");
        // The convolution from the output back to the input; its output extent is the input's since outputPadding < stride.
        _adjoint = ConvGeometry.Create(new Shape([input.N, OutChannels, .. outExtent]), input.C, KernelSize, Stride, Dilation,
            Padding.Explicit(PaddingSize), Groups, null, layer);
        var g = _adjoint;
        Debug.Assert(g.Output.ToArray(rank).SequenceEqual(input.Skip(2)), "outputPadding < stride makes the adjoint convolution return to the input extent.");
        int kv = g.KernelVolume;
        _weight = AddParameter("weight", g.WeightShape, WeightInit, OutChannels / Groups * kv, input.C * kv);
        if (HasBias) _bias = AddParameter("bias", new Shape(OutChannels), BiasInit, OutChannels / Groups * kv, input.C * kv);
        return g.InputShape(input.N);
    }

    public override LayerStats Stats
    {
        get
        {
            var g = Adjoint;
            long macs = (long)g.Output.Volume * g.OutChannels * (g.InChannels / g.Groups) * g.KernelVolume;
            long connections = macs + (HasBias ? (long)g.Input.Volume * OutChannels : 0);
            var extent = new Int3(g.Dilation.D * (g.Kernel.D - 1) + 1, g.Dilation.H * (g.Kernel.H - 1) + 1, g.Dilation.W * (g.Kernel.W - 1) + 1);
            return new LayerStats(connections, macs, extent, Int3.One) { Upsampling = g.Stride };
        }
    }

    public override Tensor Forward(Tensor input, bool training)
    {
        CheckInput(input);
        var output = Reuse(ref _output, Adjoint.InputShape(input.Shape.N));
        Backend.Convolution.BackwardData(Adjoint, input, Weight.Value, output);
        if (_bias is not null) Backend.Elementwise.AddChannelBias(_bias.Value, output);
        _input = input;
        return output;
    }

    public override Tensor? Backward(Tensor outputGrad)
    {
        var input = Saved(_input, Name);
        Backend.Convolution.BackwardWeights(Adjoint, outputGrad, input, Weight.Grad!, null);
        if (_bias is not null) Backend.Elementwise.AccumulateChannelSums(outputGrad, _bias.Grad!);
        if (!InputGradRequired) return null;
        var inputGrad = Reuse(ref _inputGrad, input.Shape);
        Backend.Convolution.Forward(Adjoint, outputGrad, Weight.Value, null, inputGrad);
        return inputGrad;
    }

    public override void WriteConfig(JsonObject config)
    {
        config["outChannels"] = OutChannels;
        config["kernelSize"] = Json.Ints(KernelSize);
        config["stride"] = Json.Ints(Stride);
        config["padding"] = Json.Ints(PaddingSize);
        config["outputPadding"] = Json.Ints(OutputPadding);
        config["dilation"] = Json.Ints(Dilation);
        config["groups"] = Groups;
        config["bias"] = HasBias;
    }

    public override string ToString()
    {
        var parts = new List<string> { IsBuilt ? $"{Adjoint.OutChannels}, {OutChannels}" : $"{OutChannels}", $"kernel_size={Json.Text(KernelSize)}" };
        if (Stride.Any(s => s != 1)) parts.Add($"stride={Json.Text(Stride)}");
        if (PaddingSize.Any(p => p != 0)) parts.Add($"padding={Json.Text(PaddingSize)}");
        if (OutputPadding.Any(p => p != 0)) parts.Add($"output_padding={Json.Text(OutputPadding)}");
        if (Dilation.Any(d => d != 1)) parts.Add($"dilation={Json.Text(Dilation)}");
        if (Groups != 1) parts.Add($"groups={Groups}");
        if (!HasBias) parts.Add("bias=False");
        return $"{TypeName}({string.Join(", ", parts)})";
    }
}

/// <summary>1D transposed convolution over (N, C, L).</summary>
public sealed class ConvTranspose1d(int outChannels, int kernelSize, int stride = 1, int padding = 0, int outputPadding = 0, int dilation = 1,
    int groups = 1, bool bias = true, string? name = null)
    : ConvTranspose(outChannels, [kernelSize], [stride], [padding], [outputPadding], [dilation], groups, bias, name);

/// <summary>2D transposed convolution over (N, C, H, W).</summary>
public sealed class ConvTranspose2d : ConvTranspose
{
    public ConvTranspose2d(int outChannels, int kernelSize, int stride = 1, int padding = 0, int outputPadding = 0, int dilation = 1,
        int groups = 1, bool bias = true, string? name = null)
        : base(outChannels, Repeat(kernelSize, 2), Repeat(stride, 2), Repeat(padding, 2), Repeat(outputPadding, 2), Repeat(dilation, 2),
            groups, bias, name) { }

    /// <summary>Rectangular kernels, strides, paddings and dilations, (H, W) each.</summary>
    public ConvTranspose2d(int outChannels, (int H, int W) kernelSize, (int H, int W) stride, (int H, int W) padding = default,
        (int H, int W) outputPadding = default, (int H, int W)? dilation = null, int groups = 1, bool bias = true, string? name = null)
        : base(outChannels, [kernelSize.H, kernelSize.W], [stride.H, stride.W], [padding.H, padding.W], [outputPadding.H, outputPadding.W],
            dilation is { } d ? [d.H, d.W] : [1, 1], groups, bias, name) { }
}

/// <summary>3D transposed convolution over (N, C, D, H, W).</summary>
public sealed class ConvTranspose3d(int outChannels, int kernelSize, int stride = 1, int padding = 0, int outputPadding = 0, int dilation = 1,
    int groups = 1, bool bias = true, string? name = null)
    : ConvTranspose(outChannels, Repeat(kernelSize, 3), Repeat(stride, 3), Repeat(padding, 3), Repeat(outputPadding, 3), Repeat(dilation, 3),
        groups, bias, name);
