using System.Collections.Concurrent;
using MlNetConv.Graphs;
using MlNetConv.Persistence;
using MlNetConv.Tensors;
using MlNetConv.Transforms;

namespace MlNetConv.Estimators;

/// <summary>
/// A trained classifier as the transformer needs it: network bytes, input shape, normalisation and class count,
/// plus a pool of network instances so concurrent cursors and prediction engines never share layer buffers.
/// </summary>
public sealed class ConvNetModel
{
    private readonly ConcurrentBag<Network> _pool = [];
    private readonly byte[] _networkBytes;

    public ConvNetModel(Network network, ChannelNormalization? normalization, int classCount)
    {
        _networkBytes = ModelFile.ToBytes(network);
        SampleShape = network.SampleShape;
        Normalization = normalization;
        ClassCount = classCount;
        _pool.Add(network);
    }

    public Shape SampleShape { get; }
    public ChannelNormalization? Normalization { get; }
    public int ClassCount { get; }

    /// <summary>The network in the engine's own file format.</summary>
    public ReadOnlyMemory<byte> NetworkBytes => _networkBytes;

    /// <summary>A network for exclusive use until returned.</summary>
    public Network Rent() => _pool.TryTake(out var n) ? n : ModelFile.FromBytes(_networkBytes).Network;

    public void Return(Network network) => _pool.Add(network);

    /// <summary>Softmax probabilities for <paramref name="count"/> samples.</summary>
    /// <param name="features">count × sample size raw values (normalised here); overwritten</param>
    /// <param name="scores">count × ClassCount probabilities</param>
    public void Score(Span<float> features, int count, Span<float> scores)
    {
        Normalization?.Apply(features, SampleShape, count);
        var network = Rent();
        try
        {
            using var input = network.Backend.Allocate(network.InputShape.WithBatch(count));
            input.CopyFrom(features[..(count * SampleShape.Size)]);
            var logits = network.Forward(input);
            using var probabilities = network.Backend.Allocate(logits.Shape);
            network.Backend.Loss.Softmax(logits, probabilities);
            network.Backend.Download(probabilities, scores[..(count * ClassCount)]);
        }
        finally
        {
            Return(network);
        }
    }
}
