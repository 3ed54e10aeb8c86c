using System.Text.Json.Nodes;
using MlNetConv.Backends;
using MlNetConv.Geometry;
using MlNetConv.Init;
using MlNetConv.Tensors;

namespace MlNetConv.Layers;

/// <summary>
/// Convolution over 1..3 spatial dimensions (cross-correlation, as in PyTorch):
/// out[n, o] = bias[o] + Σ_{i ∈ inputs(o)} Σ_k weight[o, i, k] · in[n, i, s·p - padBegin + d·k], where inputs(o) is the
/// group of o, or the row of a connection table. Kernel, stride and dilation may differ per axis, the padding before
/// and after (<see cref="Geometry.Padding"/>). Output extent: <see cref="OutputSize.Compute"/>.
/// Input (N, Cin, spatial...), output (N, Cout, outSpatial...); Cin is inferred at build time.
/// </summary>
public abstract class Convolution : Layer, IInitializedLayer
{
    private ConvGeometry? _geometry;
    private Parameter? _weight, _bias;
    private Tensor? _input, _output, _inputGrad;

    /// <param name="stride">null: 1</param>
    /// <param name="dilation">null: 1</param>
    protected Convolution(int outChannels, int rank, Size kernelSize, Size? stride, Padding? padding, Size? dilation, int groups, bool bias,
        ConnectionTable? connections, string? name) : base(name)
    {
        string type = GetType().Name;
        if (outChannels <= 0) throw new ArgumentException($"{type}: out_channels must be positive, got {outChannels}.");
        OutChannels = outChannels;
        KernelSize = kernelSize.ForRank(rank, "kernel_size", type);
        Stride = stride?.ForRank(rank, "stride", type) ?? Repeat(1, rank);
        Padding = padding ?? 0;
        Dilation = dilation?.ForRank(rank, "dilation", type) ?? Repeat(1, rank);
        Groups = groups;
        HasBias = bias;
        Connections = connections;
    }

    public int OutChannels { get; }
    public int[] KernelSize { get; }
    public int[] Stride { get; }
    public Padding Padding { get; }
    public int[] Dilation { get; }
    public int Groups { get; }
    public bool HasBias { get; }
    public ConnectionTable? Connections { get; }

    /// <summary>Weight initialization; PyTorch's default U(±1/sqrt(fanIn)) unless set.</summary>
    public IInitializer WeightInit { get; set; } = Initializers.PyTorchDefault();

    public IInitializer BiasInit { get; set; } = Initializers.PyTorchDefault();

    public ConvGeometry Geometry => _geometry ?? throw new InvalidOperationException($"Layer '{Name}' is not built.");
    public Parameter Weight => _weight ?? throw new InvalidOperationException($"Layer '{Name}' is not built.");
    public Parameter? Bias => _bias;

    protected override Shape OnBuild(Shape input)
    {
        var g = ConvGeometry.Create(input, OutChannels, KernelSize, Stride, Dilation, Padding, Groups, Connections, $"Layer '{Name}' ({TypeName})");
        _geometry = g;
        int fanIn = g.Connections * g.KernelVolume / g.OutChannels;
        int fanOut = g.Connections * g.KernelVolume / g.InChannels;
        _weight = AddParameter("weight", g.WeightShape, WeightInit, fanIn, fanOut);
        if (HasBias) _bias = AddParameter("bias", new Shape(OutChannels), BiasInit, fanIn, fanOut);
        return g.OutputShape(input.N);
    }

    public override LayerStats Stats
    {
        get
        {
            var g = Geometry;
            long outPlane = g.Output.Volume, macs = 0, connections = 0;
            for (int o = 0; o < g.OutChannels; o++)
            {
                long taps = (long)g.InputsOf[o].Length * g.KernelVolume;
                macs += outPlane * taps;
                connections += outPlane * (taps + (HasBias ? 1 : 0));
            }
            return new LayerStats(connections, macs, g.WindowExtent, g.Stride);
        }
    }

    public override Tensor Forward(Tensor input, bool training)
    {
        CheckInput(input);
        var output = Reuse(ref _output, Geometry.OutputShape(input.Shape.N));
        Backend.Convolution.Forward(Geometry, input, Weight.Value, _bias?.Value, output);
        _input = input;
        return output;
    }

    /// <summary>
    /// The evaluation forward with the layers a graph found right after this one (batch norm, residual addition, ReLU)
    /// run on each output while it is in cache: the values of running them one by one. For a backend whose kernels can
    /// fuse.
    /// </summary>
    /// <param name="residual">the tensor the epilogue adds, when it adds one</param>
    internal Tensor ForwardFused(Tensor input, ConvolutionEpilogue epilogue, Tensor? residual)
    {
        if (Backend.Convolution is not IFusedConvolutionKernels fused)
            throw new InvalidOperationException($"Layer '{Name}' ({TypeName}): the {Backend.Name} backend cannot fuse the layers after a convolution.");
        CheckInput(input);
        var output = Reuse(ref _output, Geometry.OutputShape(input.Shape.N));
        fused.ForwardFused(Geometry, input, Weight.Value, _bias?.Value, epilogue, residual, output);
        _input = input;
        return output;
    }

    public override Tensor? Backward(Tensor outputGrad)
    {
        var input = Saved(_input, Name);
        Backend.Convolution.BackwardWeights(Geometry, input, outputGrad, Weight.Grad!, _bias?.Grad);
        if (!InputGradRequired) return null;
        var inputGrad = Reuse(ref _inputGrad, input.Shape);
        Backend.Convolution.BackwardData(Geometry, outputGrad, Weight.Value, inputGrad);
        return inputGrad;
    }

    public override void WriteConfig(JsonObject config)
    {
        config["outChannels"] = OutChannels;
        config["kernelSize"] = Json.Ints(KernelSize);
        config["stride"] = Json.Ints(Stride);
        config["padding"] = Json.Padding(Padding);
        config["dilation"] = Json.Ints(Dilation);
        config["groups"] = Groups;
        config["bias"] = HasBias;
        if (Connections is not null) config["connections"] = Json.Table(Connections);
    }

    public override string ToString()
    {
        var parts = new List<string> { IsBuilt ? $"{Geometry.InChannels}, {OutChannels}" : $"{OutChannels}", $"kernel_size={Json.Text(KernelSize)}" };
        if (Stride.Any(s => s != 1)) parts.Add($"stride={Json.Text(Stride)}");
        if (!Padding.IsZero) parts.Add($"padding={Padding}");
        if (Dilation.Any(d => d != 1)) parts.Add($"dilation={Json.Text(Dilation)}");
        if (Groups != 1) parts.Add($"groups={Groups}");
        if (!HasBias) parts.Add("bias=False");
        if (Connections is not null) parts.Add($"connections={Connections.Connections}");
        return $"{TypeName}({string.Join(", ", parts)})";
    }
}

/// <summary>1D convolution over (N, C, L).</summary>
public sealed class Conv1d(int outChannels, Size kernelSize, Size? stride = null, Padding? padding = null, Size? dilation = null, int groups = 1,
    bool bias = true, ConnectionTable? connections = null, string? name = null)
    : Convolution(outChannels, 1, kernelSize, stride, padding, dilation, groups, bias, connections, name);

/// <summary>2D convolution over (N, C, H, W); kernel, stride and dilation an int or (H, W) (Inception's (1, 7)).</summary>
public sealed class Conv2d(int outChannels, Size kernelSize, Size? stride = null, Padding? padding = null, Size? dilation = null, int groups = 1,
    bool bias = true, ConnectionTable? connections = null, string? name = null)
    : Convolution(outChannels, 2, kernelSize, stride, padding, dilation, groups, bias, connections, name);

/// <summary>3D convolution over (N, C, D, H, W); kernel, stride and dilation an int or (D, H, W).</summary>
public sealed class Conv3d(int outChannels, Size kernelSize, Size? stride = null, Padding? padding = null, Size? dilation = null, int groups = 1,
    bool bias = true, ConnectionTable? connections = null, string? name = null)
    : Convolution(outChannels, 3, kernelSize, stride, padding, dilation, groups, bias, connections, name);
