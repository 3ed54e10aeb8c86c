using System.Text.Json.Nodes;
using MlNetConv.Tensors;

namespace MlNetConv.Layers;

/// <summary>
/// Inverted dropout: in training each element (or, channel-wise, each whole feature map) is zeroed with
/// probability p and the rest scaled by 1/(1-p); in evaluation it is the identity.
/// </summary>
public abstract class DropoutBase : Layer, IStochasticLayer
{
    private Tensor? _mask, _output, _inputGrad;
    private bool _trained;
    private ulong _seed;

    protected DropoutBase(float p, bool channelWise, string? name) : base(name)
    {
        if (p is < 0f or >= 1f) throw new ArgumentException($"{GetType().Name}: dropout probability must be in [0, 1), got {p}.");
        P = p;
        ChannelWise = channelWise;
    }

    public float P { get; }
    public bool ChannelWise { get; }

    public void SetSeed(ulong seed) => _seed = seed;

    protected override Shape OnBuild(Shape input)
    {
        if (ChannelWise && input.Rank < 3) throw new ArgumentException($"Layer '{Name}' ({TypeName}): channel dropout needs (N, C, spatial...), got {input}.");
        return input;
    }

    public override Tensor Forward(Tensor input, bool training)
    {
        CheckInput(input);
        _trained = training && P > 0f;
        if (!_trained) return input;
        var mask = Reuse(ref _mask, input.Shape);
        var output = Reuse(ref _output, input.Shape);
        Backend.Elementwise.DropoutMask(mask, P, _seed, ChannelWise ? input.Shape.SpatialSize : 1);
        Backend.Elementwise.Multiply(input, mask, output);
        _seed++;
        return output;
    }

    public override Tensor? Backward(Tensor outputGrad)
    {
        if (!InputGradRequired) return null;
        if (!_trained) return outputGrad;
        var inputGrad = Reuse(ref _inputGrad, outputGrad.Shape);
        Backend.Elementwise.Multiply(outputGrad, Saved(_mask, Name), inputGrad);
        return inputGrad;
    }

    public override void WriteConfig(JsonObject config) => config["p"] = P;

    public override string ToString() => $"{TypeName}(p={P})";
}

/// <summary>Element-wise inverted dropout.</summary>
public sealed class Dropout(float p = 0.5f, string? name = null) : DropoutBase(p, false, name);

/// <summary>Drops whole feature maps (channels) of (N, C, H, W).</summary>
public sealed class Dropout2d(float p = 0.5f, string? name = null) : DropoutBase(p, true, name);
