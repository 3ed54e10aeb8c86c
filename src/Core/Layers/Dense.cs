using System.Text.Json.Nodes;
using MlNetConv.Init;
using MlNetConv.Tensors;

namespace MlNetConv.Layers;

/// <summary>
/// Fully connected layer: out = in · weightᵀ + bias, weight (OutFeatures, InFeatures) as in PyTorch's Linear.
/// Input (N, InFeatures) — put a <see cref="Flatten"/> before it for feature maps; InFeatures is inferred.
/// </summary>
public sealed class Dense : Layer, IInitializedLayer
{
    private Parameter? _weight, _bias;
    private Tensor? _input, _output, _inputGrad;

    public Dense(int outFeatures, bool bias = true, string? name = null) : base(name)
    {
        if (outFeatures <= 0) throw new ArgumentException($"Dense: out_features must be positive, got {outFeatures}.");
        OutFeatures = outFeatures;
        HasBias = bias;
    }

    public int OutFeatures { get; }
    public bool HasBias { get; }
    public IInitializer WeightInit { get; set; } = Initializers.PyTorchDefault();
    public IInitializer BiasInit { get; set; } = Initializers.PyTorchDefault();
    public Parameter Weight => _weight ?? throw new InvalidOperationException($"Layer '{Name}' is not built.");
    public Parameter? Bias => _bias;
    private int InFeatures => InputShape[1];

    protected override Shape OnBuild(Shape input)
    {
        if (input.Rank != 2)
            throw new ArgumentException($"Layer '{Name}' (Dense): expected input (N, features), got {input}; add a Flatten layer before it.");
        _weight = AddParameter("weight", new Shape(OutFeatures, input[1]), WeightInit, input[1], OutFeatures);
        if (HasBias) _bias = AddParameter("bias", new Shape(OutFeatures), BiasInit, input[1], OutFeatures);
        return new Shape(input.N, OutFeatures);
    }

    public override LayerStats Stats => new((long)OutFeatures * (InFeatures + (HasBias ? 1 : 0)), (long)OutFeatures * InFeatures,
        Geometry.Int3.One, Geometry.Int3.One);

    public override Tensor Forward(Tensor input, bool training)
    {
        CheckInput(input);
        var output = Reuse(ref _output, new Shape(input.Shape.N, OutFeatures));
        Backend.Dense.Forward(input, Weight.Value, _bias?.Value, output);
        _input = input;
        return output;
    }

    public override Tensor? Backward(Tensor outputGrad)
    {
        var input = Saved(_input, Name);
        Backend.Dense.BackwardWeights(input, outputGrad, Weight.Grad!, _bias?.Grad);
        if (!InputGradRequired) return null;
        var inputGrad = Reuse(ref _inputGrad, input.Shape);
        Backend.Dense.BackwardData(outputGrad, Weight.Value, inputGrad);
        return inputGrad;
    }

    public override void WriteConfig(JsonObject config)
    {
        config["outFeatures"] = OutFeatures;
        config["bias"] = HasBias;
    }

    public override string ToString() => IsBuilt ? $"Dense({InFeatures}, {OutFeatures}{(HasBias ? "" : ", bias=False")})" : $"Dense({OutFeatures})";
}
