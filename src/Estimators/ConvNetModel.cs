using System.Collections.Concurrent;
using MlNetConv.Backends;
using MlNetConv.Graphs;
using MlNetConv.Persistence;
using MlNetConv.Tensors;
using MlNetConv.Preprocessing;

namespace MlNetConv.Estimators;

/// <summary>
/// A trained classifier as the transformer needs it: network bytes, input shape, normalisation and class count,
/// plus a pool of scorers (a network instance with its buffers) so concurrent cursors and prediction engines never
/// share layer buffers and steady-state scoring allocates no tensors.
/// </summary>
public sealed class ConvNetModel
{
    private readonly ConcurrentBag<Scorer> _pool = [];
    private readonly byte[] _networkBytes;

    public ConvNetModel(Network network, ChannelNormalization? normalization, int classCount)
    {
        _networkBytes = ModelFile.ToBytes(network);
        SampleShape = network.SampleShape;
        Normalization = normalization;
        ClassCount = classCount;
        _pool.Add(new Scorer(network));
    }

    public Shape SampleShape { get; }
    public ChannelNormalization? Normalization { get; }
    public int ClassCount { get; }

    /// <summary>The network in the engine's own file format.</summary>
    public ReadOnlyMemory<byte> NetworkBytes => _networkBytes;

    /// <summary>Softmax probabilities for <paramref name="count"/> samples.</summary>
    /// <param name="features">count × sample size raw values (normalised here); overwritten</param>
    /// <param name="scores">count × ClassCount probabilities</param>
    public void Score(Span<float> features, int count, Span<float> scores)
    {
        Normalization?.Apply(features, SampleShape, count);
        var scorer = _pool.TryTake(out var s) ? s : new Scorer(ModelFile.FromBytes(_networkBytes).Network);
        try
        {
            scorer.Run(features[..(count * SampleShape.Size)], count, scores[..(count * ClassCount)]);
        }
        finally
        {
            _pool.Add(scorer);
        }
    }

    /// <summary>One network with its input and probability buffers, used by one thread at a time.</summary>
    private sealed class Scorer(Network network)
    {
        private Tensor? _input, _probabilities;

        public void Run(ReadOnlySpan<float> features, int count, Span<float> scores)
        {
            var backend = network.Backend;
            var input = backend.Reuse(ref _input, network.InputShape.WithBatch(count));
            input.CopyFrom(features);
            var logits = network.Forward(input);
            var probabilities = backend.Reuse(ref _probabilities, logits.Shape);
            backend.Loss.Softmax(logits, probabilities);
            backend.Download(probabilities, scores);
        }
    }
}
