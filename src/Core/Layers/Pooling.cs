using System.Text.Json.Nodes;
using MlNetConv.Backends;
using MlNetConv.Geometry;
using MlNetConv.Tensors;

namespace MlNetConv.Layers;

/// <summary>
/// Max or average pooling over 1..3 spatial dimensions. The window may overlap (kernel > stride, AlexNet's 3x3/2), differ
/// per axis ((3, 2, 2)), be padded (the same before and after, begin and end apart as ONNX's pads, or same), dilated (max
/// only) and rounded up (ceil mode). Output extent: <see cref="OutputSize.Compute"/>; the average's divisor:
/// <see cref="PoolGeometry.CountIncludePad"/>.
/// </summary>
public abstract class Pooling : Layer
{
    private PoolGeometry? _geometry;
    private Tensor? _output, _inputGrad;
    private IndexTensor? _indices;
    private Shape _inputShape;

    /// <param name="rank">spatial dimensions; 0 for global pooling, whose window is the input</param>
    /// <param name="stride">null: the kernel size</param>
    protected Pooling(bool isMax, int rank, Size kernelSize, Size? stride, Padding? padding, Size? dilation, bool ceilMode, bool countIncludePad,
        string? name) : base(name)
    {
        string type = GetType().Name;
        IsMax = isMax;
        KernelSize = rank == 0 ? [] : kernelSize.ForRank(rank, "kernel_size", type);
        Stride = stride?.ForRank(rank, "stride", type) ?? KernelSize;
        Padding = padding ?? 0;
        Dilation = dilation?.ForRank(rank, "dilation", type) ?? Repeat(1, rank);
        CeilMode = ceilMode;
        CountIncludePad = countIncludePad;
        if (!isMax && Dilation.Any(d => d != 1)) throw new ArgumentException($"{type}: average pooling has no dilation.");
    }

    public bool IsMax { get; }
    public int[] KernelSize { get; }
    public int[] Stride { get; }
    public Padding Padding { get; }
    public int[] Dilation { get; }
    public bool CeilMode { get; }
    public bool CountIncludePad { get; }
    public PoolGeometry Geometry => _geometry ?? throw new InvalidOperationException($"Layer '{Name}' is not built.");

    /// <summary>Where each maximum came from (flat spatial index in its input map), after a forward of max pooling.</summary>
    public IndexTensor? Indices => _indices;

    /// <summary>The window for this input; global pooling overrides it with one window over everything.</summary>
    protected virtual PoolGeometry CreateGeometry(Shape input, string layer) =>
        PoolGeometry.Create(input, KernelSize, Stride, Padding, Dilation, CeilMode, CountIncludePad, layer);

    /// <summary>The layer's output shape for a pooled (N, C, outSpatial...) result; global pooling drops the spatial ones.</summary>
    protected virtual Shape OutputShapeOf(Shape pooled) => pooled;

    protected override Shape OnBuild(Shape input)
    {
        _geometry = CreateGeometry(input, $"Layer '{Name}' ({TypeName})");
        return OutputShapeOf(_geometry.OutputShape(input.N));
    }

    public override LayerStats Stats
    {
        get
        {
            var g = Geometry;
            return new LayerStats(OutputShape.Size * (long)g.Kernel.Volume, 0, g.WindowExtent, g.Stride);
        }
    }

    public override Tensor Forward(Tensor input, bool training)
    {
        CheckInput(input);
        var shape = Geometry.OutputShape(input.Shape.N);
        var output = Reuse(ref _output, shape);
        if (IsMax) Backend.Pooling.MaxForward(Geometry, input, output, Backend.Reuse(ref _indices, shape));
        else Backend.Pooling.AvgForward(Geometry, input, output);
        _inputShape = input.Shape;
        var outputShape = OutputShapeOf(shape);
        return outputShape == shape ? output : output.Reshape(outputShape);
    }

    public override Tensor? Backward(Tensor outputGrad)
    {
        if (!InputGradRequired) return null;
        var pooled = Geometry.OutputShape(outputGrad.Shape.N);
        var grad = outputGrad.Shape == pooled ? outputGrad : outputGrad.Reshape(pooled);
        var inputGrad = Reuse(ref _inputGrad, _inputShape);
        if (IsMax) Backend.Pooling.MaxBackward(Geometry, grad, Saved(_indices, Name), inputGrad);
        else Backend.Pooling.AvgBackward(Geometry, grad, inputGrad);
        return inputGrad;
    }

    public override void WriteConfig(JsonObject config)
    {
        config["kernelSize"] = Json.Ints(KernelSize);
        config["stride"] = Json.Ints(Stride);
        config["padding"] = Json.Padding(Padding);
        config["dilation"] = Json.Ints(Dilation);
        config["ceilMode"] = CeilMode;
        config["countIncludePad"] = CountIncludePad;
    }

    public override string ToString()
    {
        var parts = new List<string> { $"kernel_size={Json.Text(KernelSize)}" };
        if (!Stride.SequenceEqual(KernelSize)) parts.Add($"stride={Json.Text(Stride)}");
        if (!Padding.IsZero) parts.Add($"padding={Padding}");
        if (Dilation.Any(d => d != 1)) parts.Add($"dilation={Json.Text(Dilation)}");
        if (CeilMode) parts.Add("ceil_mode=True");
        if (!IsMax && !CountIncludePad) parts.Add("count_include_pad=False");
        return $"{TypeName}({string.Join(", ", parts)})";
    }
}

/// <summary>Max pooling over (N, C, L).</summary>
public sealed class MaxPool1d(Size kernelSize, Size? stride = null, Padding? padding = null, Size? dilation = null, bool ceilMode = false,
    string? name = null) : Pooling(true, 1, kernelSize, stride, padding, dilation, ceilMode, true, name);

/// <summary>Max pooling over (N, C, H, W); kernel, stride and dilation an int or (H, W).</summary>
public sealed class MaxPool2d(Size kernelSize, Size? stride = null, Padding? padding = null, Size? dilation = null, bool ceilMode = false,
    string? name = null) : Pooling(true, 2, kernelSize, stride, padding, dilation, ceilMode, true, name);

/// <summary>Max pooling over (N, C, D, H, W); kernel, stride and dilation an int or (D, H, W).</summary>
public sealed class MaxPool3d(Size kernelSize, Size? stride = null, Padding? padding = null, Size? dilation = null, bool ceilMode = false,
    string? name = null) : Pooling(true, 3, kernelSize, stride, padding, dilation, ceilMode, true, name);

/// <summary>Average pooling over (N, C, L).</summary>
public sealed class AvgPool1d(Size kernelSize, Size? stride = null, Padding? padding = null, bool ceilMode = false, bool countIncludePad = true,
    string? name = null) : Pooling(false, 1, kernelSize, stride, padding, null, ceilMode, countIncludePad, name);

/// <summary>Average pooling over (N, C, H, W); kernel and stride an int or (H, W).</summary>
public sealed class AvgPool2d(Size kernelSize, Size? stride = null, Padding? padding = null, bool ceilMode = false, bool countIncludePad = true,
    string? name = null) : Pooling(false, 2, kernelSize, stride, padding, null, ceilMode, countIncludePad, name);

/// <summary>Average pooling over (N, C, D, H, W); kernel and stride an int or (D, H, W).</summary>
public sealed class AvgPool3d(Size kernelSize, Size? stride = null, Padding? padding = null, bool ceilMode = false, bool countIncludePad = true,
    string? name = null) : Pooling(false, 3, kernelSize, stride, padding, null, ceilMode, countIncludePad, name);
