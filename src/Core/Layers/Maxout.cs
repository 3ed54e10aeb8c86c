using System.Text.Json.Nodes;
using MlNetConv.Backends;
using MlNetConv.Tensors;

namespace MlNetConv.Layers;

/// <summary>
/// Maxout (Goodfellow et al. 2013), max pooling across channels: every group of <see cref="PoolSize"/> consecutive
/// channels becomes its maximum, out[n, j, s] = max_{t &lt; k} in[n, j·k + t, s]. Input (N, C, spatial...) or (N, C)
/// (maxout units after a dense layer) with C divisible by k; output (N, C/k, ...). The gradient goes to the channel
/// that held the maximum.
/// </summary>
public sealed class Maxout : Layer
{
    private Tensor? _output, _inputGrad;
    private IndexTensor? _indices;
    private Shape _inputShape;

    public Maxout(int poolSize, string? name = null) : base(name)
    {
        if (poolSize <= 0) throw new ArgumentException($"Maxout: pool size must be positive, got {poolSize}.");
        PoolSize = poolSize;
    }

    public int PoolSize { get; }

    protected override Shape OnBuild(Shape input)
    {
        if (input.Rank < 2 || input.C % PoolSize != 0)
            throw new ArgumentException($"Layer '{Name}' (Maxout): expected (N, C, ...) with C divisible by {PoolSize}, got {input}.");
        return input.WithChannels(input.C / PoolSize);
    }

    public override LayerStats Stats => LayerStats.PerElement(OutputShape.Size, PoolSize);

    public override Tensor Forward(Tensor input, bool training)
    {
        CheckInput(input);
        var shape = OutputShape.WithBatch(input.Shape.N);
        var output = Reuse(ref _output, shape);
        Backend.Pooling.ChannelMaxForward(input, PoolSize, output, Backend.Reuse(ref _indices, shape));
        _inputShape = input.Shape;
        return output;
    }

    public override Tensor? Backward(Tensor outputGrad)
    {
        if (!InputGradRequired) return null;
        var inputGrad = Reuse(ref _inputGrad, _inputShape);
        Backend.Pooling.ChannelMaxBackward(outputGrad, Saved(_indices, Name), PoolSize, inputGrad);
        return inputGrad;
    }

    public override void WriteConfig(JsonObject config) => config["poolSize"] = PoolSize;

    public override string ToString() => $"Maxout(pool_size={PoolSize})";
}
