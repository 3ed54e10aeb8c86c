using System.Text.Json.Nodes;
using MlNetConv.Backends;
using MlNetConv.Init;
using MlNetConv.Tensors;

namespace MlNetConv.Layers;

/// <summary>
/// Batch normalization (Ioffe and Szegedy 2015): y = (x - mean) / sqrt(var + eps) · weight + bias per channel. Training
/// uses the batch statistics and updates running_mean/running_var with <see cref="Momentum"/> (PyTorch's convention);
/// evaluation uses the running statistics, and so does training with <see cref="FreezeStatistics"/>.
/// </summary>
public abstract class BatchNorm : Layer
{
    private Parameter? _weight, _bias, _runningMean, _runningVar;
    private Tensor? _input, _output, _inputGrad, _mean, _invStd;
    private bool _batchStatistics;

    protected BatchNorm(int spatialRank, float momentum, float epsilon, string? name) : base(name)
    {
        SpatialRank = spatialRank;
        Momentum = momentum is >= 0f and <= 1f ? momentum : throw new ArgumentException($"{GetType().Name}: momentum must be in [0, 1], got {momentum}.");
        Epsilon = epsilon > 0f ? epsilon : throw new ArgumentException($"{GetType().Name}: eps must be positive, got {epsilon}.");
    }

    /// <summary>Accepted spatial ranks: BatchNorm1d takes (N, C) and (N, C, L).</summary>
    public int SpatialRank { get; }
    public float Momentum { get; }
    public float Epsilon { get; }

    /// <summary>
    /// Training normalises with the running statistics, as evaluation does, and leaves them alone; backward is then that
    /// of the per-channel affine map (the gradient of the evaluation formula). For fine-tuning on small batches, whose
    /// statistics would spoil those of the data the network was trained on. Not part of the saved architecture.
    /// </summary>
    public bool FreezeStatistics { get; set; }
    public Parameter Weight => _weight ?? throw new InvalidOperationException($"Layer '{Name}' is not built.");
    public Parameter BiasParameter => _bias ?? throw new InvalidOperationException($"Layer '{Name}' is not built.");
    public Parameter RunningMean => _runningMean ?? throw new InvalidOperationException($"Layer '{Name}' is not built.");
    public Parameter RunningVar => _runningVar ?? throw new InvalidOperationException($"Layer '{Name}' is not built.");

    /// <summary>What evaluation applies, for a convolution that runs this layer itself (the tensors, read at each call).</summary>
    public BatchNormStatistics Statistics => new(Weight.Value, BiasParameter.Value, RunningMean.Value, RunningVar.Value, Epsilon);

    protected override Shape OnBuild(Shape input)
    {
        bool ok = input.SpatialRank == SpatialRank || (SpatialRank == 1 && input.Rank == 2);
        if (!ok) throw new ArgumentException($"Layer '{Name}' ({TypeName}): expected input of rank {SpatialRank + 2}, got {input}.");
        var c = new Shape(input.C);
        _weight = AddParameter("weight", c, Initializers.Ones());
        _bias = AddParameter("bias", c, Initializers.Zeros());
        _runningMean = AddParameter("running_mean", c, Initializers.Zeros(), trainable: false);
        _runningVar = AddParameter("running_var", c, Initializers.Ones(), trainable: false);
        _mean = Backend.Allocate(c);
        _invStd = Backend.Allocate(c);
        return input;
    }

    public override LayerStats Stats => LayerStats.PerElement(OutputShape.Size, 2);

    public override Tensor Forward(Tensor input, bool training)
    {
        CheckInput(input);
        var output = Reuse(ref _output, input.Shape);
        bool batchStatistics = training && !FreezeStatistics;
        if (batchStatistics)
            Backend.Normalization.BatchNormForwardTraining(input, Weight.Value, BiasParameter.Value, RunningMean.Value, RunningVar.Value,
                Momentum, Epsilon, output, _mean!, _invStd!);
        else
            Backend.Normalization.BatchNormForwardInference(input, Weight.Value, BiasParameter.Value, RunningMean.Value, RunningVar.Value,
                Epsilon, output, _mean!, _invStd!);
        _batchStatistics = batchStatistics;
        _input = input;
        return output;
    }

    public override Tensor? Backward(Tensor outputGrad)
    {
        var input = Saved(_input, Name);
        var inputGrad = Reuse(ref _inputGrad, input.Shape);
        Backend.Normalization.BatchNormBackward(input, outputGrad, Weight.Value, _mean!, _invStd!, _batchStatistics, inputGrad, Weight.Grad!, BiasParameter.Grad!);
        return InputGradRequired ? inputGrad : null;
    }

    public override void WriteConfig(JsonObject config)
    {
        config["momentum"] = Momentum;
        config["eps"] = Epsilon;
    }

    public override string ToString() => IsBuilt ? $"{TypeName}({InputShape.C})" : TypeName;
}

/// <summary>Batch normalization of (N, C) or (N, C, L).</summary>
public sealed class BatchNorm1d(float momentum = 0.1f, float eps = 1e-5f, string? name = null) : BatchNorm(1, momentum, eps, name);

/// <summary>Batch normalization of (N, C, H, W).</summary>
public sealed class BatchNorm2d(float momentum = 0.1f, float eps = 1e-5f, string? name = null) : BatchNorm(2, momentum, eps, name);

/// <summary>Batch normalization of (N, C, D, H, W).</summary>
public sealed class BatchNorm3d(float momentum = 0.1f, float eps = 1e-5f, string? name = null) : BatchNorm(3, momentum, eps, name);
