using System.Globalization;
using System.Text.Json.Nodes;
using MlNetConv.Geometry;
using MlNetConv.Tensors;

namespace MlNetConv.Layers;

/// <summary>
/// Power-average (Lp) pooling as PyTorch's LPPool: every window becomes its p-norm, y = (Σ_window |x|^p)^(1/p) — a sum
/// over the window, not a mean (p = 2: the root of the sum of squares; p → ∞ approaches max pooling, p = 1 is sum
/// pooling of |x|). For even p this is exactly PyTorch's value, which raises x itself to the power p; for odd p it
/// takes |x| where PyTorch would keep signs. PyTorch's windows are unpadded and undilated; padding (as ONNX's LpPool pads:
/// zeros, which add nothing to the sum) and dilation are there for ONNX models. In ceil mode a clipped last window sums
/// the taps inside the input (PyTorch rescales them by the full window size). Output extent: <see cref="OutputSize.Compute"/>.
/// </summary>
public abstract class LPPooling : Layer
{
    private PoolGeometry? _geometry;
    private Tensor? _input, _output, _inputGrad;

    /// <param name="stride">null: the kernel size</param>
    protected LPPooling(float normType, int rank, Size kernelSize, Size? stride, bool ceilMode, Padding? padding, Size? dilation, string? name)
        : base(name)
    {
        string type = GetType().Name;
        if (!(normType >= 1f) || float.IsInfinity(normType))
            throw new ArgumentException($"{type}: norm_type must be a finite p >= 1, got {normType}.");
        NormType = normType;
        KernelSize = kernelSize.ForRank(rank, "kernel_size", type);
        Stride = stride?.ForRank(rank, "stride", type) ?? KernelSize;
        CeilMode = ceilMode;
        Padding = padding ?? 0;
        Dilation = dilation?.ForRank(rank, "dilation", type) ?? Repeat(1, rank);
    }

    /// <summary>The p of the p-norm.</summary>
    public float NormType { get; }
    public int[] KernelSize { get; }
    public int[] Stride { get; }
    public bool CeilMode { get; }
    public Padding Padding { get; }
    public int[] Dilation { get; }
    public PoolGeometry Geometry => _geometry ?? throw new InvalidOperationException($"Layer '{Name}' is not built.");

    protected override Shape OnBuild(Shape input)
    {
        _geometry = PoolGeometry.Create(input, KernelSize, Stride, Padding, Dilation, CeilMode, true, $"Layer '{Name}' ({TypeName})");
        return _geometry.OutputShape(input.N);
    }

    public override LayerStats Stats => new(OutputShape.Size * (long)Geometry.Kernel.Volume, 0, Geometry.WindowExtent, Geometry.Stride);

    public override Tensor Forward(Tensor input, bool training)
    {
        CheckInput(input);
        var output = Reuse(ref _output, Geometry.OutputShape(input.Shape.N));
        Backend.Pooling.LpForward(Geometry, NormType, input, output);
        _input = input;
        return output;
    }

    public override Tensor? Backward(Tensor outputGrad)
    {
        if (!InputGradRequired) return null;
        var input = Saved(_input, Name);
        var inputGrad = Reuse(ref _inputGrad, input.Shape);
        Backend.Pooling.LpBackward(Geometry, NormType, input, Saved(_output, Name), outputGrad, inputGrad);
        return inputGrad;
    }

    public override void WriteConfig(JsonObject config)
    {
        config["normType"] = NormType;
        config["kernelSize"] = Json.Ints(KernelSize);
        config["stride"] = Json.Ints(Stride);
        config["ceilMode"] = CeilMode;
        config["padding"] = Json.Padding(Padding);
        config["dilation"] = Json.Ints(Dilation);
    }

    public override string ToString()
    {
        var parts = new List<string> { NormType.ToString(CultureInfo.InvariantCulture), $"kernel_size={Json.Text(KernelSize)}" };
        if (!Stride.SequenceEqual(KernelSize)) parts.Add($"stride={Json.Text(Stride)}");
        if (CeilMode) parts.Add("ceil_mode=True");
        if (!Padding.IsZero) parts.Add($"padding={Padding}");
        if (Dilation.Any(d => d != 1)) parts.Add($"dilation={Json.Text(Dilation)}");
        return $"{TypeName}({string.Join(", ", parts)})";
    }
}

/// <summary>Lp pooling over (N, C, L).</summary>
public sealed class LPPool1d(float normType, Size kernelSize, Size? stride = null, bool ceilMode = false, Padding? padding = null,
    Size? dilation = null, string? name = null) : LPPooling(normType, 1, kernelSize, stride, ceilMode, padding, dilation, name);

/// <summary>Lp pooling over (N, C, H, W); kernel, stride and dilation an int or (H, W).</summary>
public sealed class LPPool2d(float normType, Size kernelSize, Size? stride = null, bool ceilMode = false, Padding? padding = null,
    Size? dilation = null, string? name = null) : LPPooling(normType, 2, kernelSize, stride, ceilMode, padding, dilation, name);

/// <summary>Lp pooling over (N, C, D, H, W); kernel, stride and dilation an int or (D, H, W).</summary>
public sealed class LPPool3d(float normType, Size kernelSize, Size? stride = null, bool ceilMode = false, Padding? padding = null,
    Size? dilation = null, string? name = null) : LPPooling(normType, 3, kernelSize, stride, ceilMode, padding, dilation, name);
