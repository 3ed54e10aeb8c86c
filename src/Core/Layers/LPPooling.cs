using System.Globalization;
using System.Text.Json.Nodes;
using MlNetConv.Geometry;
using MlNetConv.Tensors;

namespace MlNetConv.Layers;

/// <summary>
/// Power-average (Lp) pooling as PyTorch's LPPool: every window becomes its p-norm, y = (Σ_window |x|^p)^(1/p) — a sum
/// over the window, not a mean (p = 2: the root of the sum of squares; p → ∞ approaches max pooling, p = 1 is sum
/// pooling of |x|). For even p this is exactly PyTorch's value, which raises x itself to the power p; for odd p it
/// takes |x| where PyTorch would keep signs. Windows are unpadded; in ceil mode a clipped last window sums the taps
/// inside the input (PyTorch rescales them by the full window size). Output extent: <see cref="OutputSize.Compute"/>.
/// </summary>
public abstract class LPPooling : Layer
{
    private PoolGeometry? _geometry;
    private Tensor? _input, _output, _inputGrad;

    protected LPPooling(float normType, int[] kernelSize, int[]? stride, bool ceilMode, string? name) : base(name)
    {
        if (!(normType >= 1f) || float.IsInfinity(normType))
            throw new ArgumentException($"{GetType().Name}: norm_type must be a finite p >= 1, got {normType}.");
        NormType = normType;
        KernelSize = kernelSize;
        Stride = stride ?? kernelSize;
        CeilMode = ceilMode;
    }

    /// <summary>The p of the p-norm.</summary>
    public float NormType { get; }
    public int[] KernelSize { get; }
    public int[] Stride { get; }
    public bool CeilMode { get; }
    public PoolGeometry Geometry => _geometry ?? throw new InvalidOperationException($"Layer '{Name}' is not built.");

    protected override Shape OnBuild(Shape input)
    {
        int rank = KernelSize.Length;
        _geometry = PoolGeometry.Create(input, KernelSize, Stride, new int[rank], Repeat(1, rank), CeilMode, true, $"Layer '{Name}' ({TypeName})");
        return _geometry.OutputShape(input.N);
    }

    public override LayerStats Stats => new(OutputShape.Size * (long)Geometry.Kernel.Volume, 0, Geometry.Kernel, Geometry.Stride);

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
    }

    public override string ToString()
    {
        var parts = new List<string> { NormType.ToString(CultureInfo.InvariantCulture), $"kernel_size={Json.Text(KernelSize)}" };
        if (!Stride.SequenceEqual(KernelSize)) parts.Add($"stride={Json.Text(Stride)}");
        if (CeilMode) parts.Add("ceil_mode=True");
        return $"{TypeName}({string.Join(", ", parts)})";
    }
}

public sealed class LPPool1d(float normType, int kernelSize, int? stride = null, bool ceilMode = false, string? name = null)
    : LPPooling(normType, [kernelSize], Repeat(stride, 1), ceilMode, name);

public sealed class LPPool2d(float normType, int kernelSize, int? stride = null, bool ceilMode = false, string? name = null)
    : LPPooling(normType, Repeat(kernelSize, 2), Repeat(stride, 2), ceilMode, name);

public sealed class LPPool3d(float normType, int kernelSize, int? stride = null, bool ceilMode = false, string? name = null)
    : LPPooling(normType, Repeat(kernelSize, 3), Repeat(stride, 3), ceilMode, name);
