using System.Text.Json.Nodes;
using MlNetConv.Backends;
using MlNetConv.Geometry;
using MlNetConv.Tensors;

namespace MlNetConv.Layers;

/// <summary>
/// Max or average pooling over 1..3 spatial dimensions. The window may overlap (kernel > stride, AlexNet's 3x3/2),
/// be padded, dilated (max only) and rounded up (ceil mode). Output extent: <see cref="OutputSize.Compute"/>.
/// </summary>
public abstract class Pooling : Layer
{
    private PoolGeometry? _geometry;
    private Tensor? _output, _inputGrad;
    private IndexTensor? _indices;
    private Shape _inputShape;

    protected Pooling(bool isMax, int[] kernelSize, int[]? stride, int[]? padding, int[]? dilation, bool ceilMode, bool countIncludePad, string? name)
        : base(name)
    {
        IsMax = isMax;
        KernelSize = kernelSize;
        Stride = stride ?? kernelSize;
        PaddingSize = padding ?? new int[kernelSize.Length];
        Dilation = dilation ?? Repeat(1, kernelSize.Length);
        CeilMode = ceilMode;
        CountIncludePad = countIncludePad;
        if (!isMax && Dilation.Any(d => d != 1)) throw new ArgumentException($"{GetType().Name}: average pooling has no dilation.");
    }

    public bool IsMax { get; }
    public int[] KernelSize { get; }
    public int[] Stride { get; }
    public int[] PaddingSize { get; }
    public int[] Dilation { get; }
    public bool CeilMode { get; }
    public bool CountIncludePad { get; }
    public PoolGeometry Geometry => _geometry ?? throw new InvalidOperationException($"Layer '{Name}' is not built.");

    /// <summary>Where each maximum came from (flat spatial index in its input map), after a forward of max pooling.</summary>
    public IndexTensor? Indices => _indices;

    /// <summary>The window for this input; global pooling overrides it with one window over everything.</summary>
    protected virtual PoolGeometry CreateGeometry(Shape input, string layer) =>
        PoolGeometry.Create(input, KernelSize, Stride, PaddingSize, Dilation, CeilMode, CountIncludePad, layer);

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
            var extent = new Int3(g.Dilation.D * (g.Kernel.D - 1) + 1, g.Dilation.H * (g.Kernel.H - 1) + 1, g.Dilation.W * (g.Kernel.W - 1) + 1);
            return new LayerStats(OutputShape.Size * (long)g.Kernel.Volume, 0, extent, g.Stride);
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
        config["padding"] = Json.Ints(PaddingSize);
        config["dilation"] = Json.Ints(Dilation);
        config["ceilMode"] = CeilMode;
        config["countIncludePad"] = CountIncludePad;
    }

    public override string ToString()
    {
        var parts = new List<string> { $"kernel_size={Json.Text(KernelSize)}" };
        if (!Stride.SequenceEqual(KernelSize)) parts.Add($"stride={Json.Text(Stride)}");
        if (PaddingSize.Any(p => p != 0)) parts.Add($"padding={Json.Text(PaddingSize)}");
        if (Dilation.Any(d => d != 1)) parts.Add($"dilation={Json.Text(Dilation)}");
        if (CeilMode) parts.Add("ceil_mode=True");
        if (!IsMax && !CountIncludePad) parts.Add("count_include_pad=False");
        return $"{TypeName}({string.Join(", ", parts)})";
    }
}

public sealed class MaxPool1d(int kernelSize, int? stride = null, int padding = 0, int dilation = 1, bool ceilMode = false, string? name = null)
    : Pooling(true, [kernelSize], Repeat(stride, 1), [padding], [dilation], ceilMode, true, name);

public sealed class MaxPool2d(int kernelSize, int? stride = null, int padding = 0, int dilation = 1, bool ceilMode = false, string? name = null)
    : Pooling(true, Repeat(kernelSize, 2), Repeat(stride, 2), Repeat(padding, 2), Repeat(dilation, 2), ceilMode, true, name);

public sealed class MaxPool3d(int kernelSize, int? stride = null, int padding = 0, int dilation = 1, bool ceilMode = false, string? name = null)
    : Pooling(true, Repeat(kernelSize, 3), Repeat(stride, 3), Repeat(padding, 3), Repeat(dilation, 3), ceilMode, true, name);

public sealed class AvgPool1d(int kernelSize, int? stride = null, int padding = 0, bool ceilMode = false, bool countIncludePad = true, string? name = null)
    : Pooling(false, [kernelSize], Repeat(stride, 1), [padding], null, ceilMode, countIncludePad, name);

public sealed class AvgPool2d(int kernelSize, int? stride = null, int padding = 0, bool ceilMode = false, bool countIncludePad = true, string? name = null)
    : Pooling(false, Repeat(kernelSize, 2), Repeat(stride, 2), Repeat(padding, 2), null, ceilMode, countIncludePad, name);

public sealed class AvgPool3d(int kernelSize, int? stride = null, int padding = 0, bool ceilMode = false, bool countIncludePad = true, string? name = null)
    : Pooling(false, Repeat(kernelSize, 3), Repeat(stride, 3), Repeat(padding, 3), null, ceilMode, countIncludePad, name);
