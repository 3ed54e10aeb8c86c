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
/// out = (in - 1)s - padBegin - padEnd + d(k - 1) + outputPadding + 1 (<see cref="OutputSize.Transposed"/>); weight
/// (Cin, Cout/groups, k...) as in PyTorch. Kernel, stride, dilation and output padding may differ per axis; the padding
/// (rows cropped from the output) is the same at both ends (PyTorch), begin and end apart (ONNX's pads), or same
/// (out = in · s, ONNX's auto_pad). outputPadding (less than the stride) adds rows at the end to choose among the sizes
/// that all convolve back to the input size.
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

    /// <param name="stride">null: 1</param>
    /// <param name="outputPadding">null: 0</param>
    /// <param name="dilation">null: 1</param>
    protected ConvTranspose(int outChannels, int rank, Size kernelSize, Size? stride, Padding? padding, Size? outputPadding, Size? dilation,
        int groups, bool bias, string? name) : base(name)
    {
        string type = GetType().Name;
        if (outChannels <= 0) throw new ArgumentException($"{type}: out_channels must be positive, got {outChannels}.");
        if (groups <= 0) throw new ArgumentException($"{type}: groups must be positive, got {groups}.");
        if (outChannels % groups != 0) throw new ArgumentException($"{type}: out_channels must be divisible by groups ({outChannels} % {groups} != 0).");
        OutChannels = outChannels;
        KernelSize = kernelSize.ForRank(rank, "kernel_size", type);
        Stride = stride?.ForRank(rank, "stride", type) ?? Repeat(1, rank);
        Padding = padding ?? 0;
        OutputPadding = outputPadding?.ForRank(rank, "output_padding", type) ?? new int[rank];
        Dilation = dilation?.ForRank(rank, "dilation", type) ?? Repeat(1, rank);
        Groups = groups;
        HasBias = bias;
        for (int i = 0; i < rank; i++)
            if (OutputPadding[i] < 0 || OutputPadding[i] >= Stride[i])
                throw new ArgumentException($"{type}: output_padding must be >= 0 and smaller than the stride, got output_padding {OutputPadding[i]} for stride {Stride[i]}.");
    }

    public int OutChannels { get; }
    public int[] KernelSize { get; }
    public int[] Stride { get; }
    public Padding Padding { get; }
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
        var (begin, end) = Padding.ResolveTransposed(rank, Int3.FromSpatial(KernelSize), Int3.FromSpatial(Stride), Int3.FromSpatial(Dilation),
            Int3.FromSpatial(OutputPadding, fill: 0), layer);
        int[] begins = begin.ToArray(rank), ends = end.ToArray(rank);
        var outExtent = new int[rank];
        for (int i = 0; i < rank; i++)
            outExtent[i] = OutputSize.Transposed(input[2 + i], KernelSize[i], Stride[i], begins[i], ends[i], Dilation[i], OutputPadding[i]);
        if (outExtent.Any(e => e <= 0))
            throw new ArgumentException($"{layer}: input {input} with kernel {Json.Text(KernelSize)} and padding {Padding} gives an empty output.");
        // The convolution from the output back to the input; its output extent is the input's since outputPadding < stride.
        _adjoint = ConvGeometry.Create(new Shape([input.N, OutChannels, .. outExtent]), input.C, KernelSize, Stride, Dilation,
            Padding.Explicit(begins, ends), Groups, null, layer);
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
            return new LayerStats(connections, macs, g.WindowExtent, Int3.One) { Upsampling = g.Stride };
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
        config["padding"] = Json.Padding(Padding);
        config["outputPadding"] = Json.Ints(OutputPadding);
        config["dilation"] = Json.Ints(Dilation);
        config["groups"] = Groups;
        config["bias"] = HasBias;
    }

    public override string ToString()
    {
        var parts = new List<string> { IsBuilt ? $"{Adjoint.OutChannels}, {OutChannels}" : $"{OutChannels}", $"kernel_size={Json.Text(KernelSize)}" };
        if (Stride.Any(s => s != 1)) parts.Add($"stride={Json.Text(Stride)}");
        if (!Padding.IsZero) parts.Add($"padding={Padding}");
        if (OutputPadding.Any(p => p != 0)) parts.Add($"output_padding={Json.Text(OutputPadding)}");
        if (Dilation.Any(d => d != 1)) parts.Add($"dilation={Json.Text(Dilation)}");
        if (Groups != 1) parts.Add($"groups={Groups}");
        if (!HasBias) parts.Add("bias=False");
        return $"{TypeName}({string.Join(", ", parts)})";
    }
}

/// <summary>1D transposed convolution over (N, C, L).</summary>
public sealed class ConvTranspose1d(int outChannels, Size kernelSize, Size? stride = null, Padding? padding = null, Size? outputPadding = null,
    Size? dilation = null, int groups = 1, bool bias = true, string? name = null)
    : ConvTranspose(outChannels, 1, kernelSize, stride, padding, outputPadding, dilation, groups, bias, name);

/// <summary>2D transposed convolution over (N, C, H, W); kernel, stride, output padding and dilation an int or (H, W).</summary>
public sealed class ConvTranspose2d(int outChannels, Size kernelSize, Size? stride = null, Padding? padding = null, Size? outputPadding = null,
    Size? dilation = null, int groups = 1, bool bias = true, string? name = null)
    : ConvTranspose(outChannels, 2, kernelSize, stride, padding, outputPadding, dilation, groups, bias, name);

/// <summary>3D transposed convolution over (N, C, D, H, W); kernel, stride, output padding and dilation an int or (D, H, W).</summary>
public sealed class ConvTranspose3d(int outChannels, Size kernelSize, Size? stride = null, Padding? padding = null, Size? outputPadding = null,
    Size? dilation = null, int groups = 1, bool bias = true, string? name = null)
    : ConvTranspose(outChannels, 3, kernelSize, stride, padding, outputPadding, dilation, groups, bias, name);
