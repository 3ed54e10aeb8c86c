using System.Collections.Concurrent;
using MlNetConv.Backends;
using MlNetConv.Graphs;
using MlNetConv.Persistence;
using MlNetConv.Tensors;
using MlNetConv.Preprocessing;

namespace MlNetConv.Estimators;

/// <summary>
/// A trained network as a transformer needs it: network bytes, input shape, normalisation and class count, whether its
/// output becomes probabilities (a classifier's or segmenter's softmax) or is given as it is (a featurizer's), plus a pool
/// of scorers (a network instance with its buffers) so concurrent cursors and prediction engines never
/// share layer buffers and steady-state scoring allocates no tensors.
/// </summary>
public sealed class ConvNetModel
{
    private readonly ConcurrentBag<Scorer> _pool = [];
    private readonly byte[] _networkBytes;

    private const string MeanTensor = "normalization.mean", StdTensor = "normalization.std";

    /// <summary>A model over a trained network (which it keeps as its first scorer: do not train it further).</summary>
    /// <param name="probabilities">true: the softmax of the output over its channel axis (class probabilities); false: the output as it is (features)</param>
    public ConvNetModel(Network network, ChannelNormalization? normalization, bool probabilities = true)
        : this(network, normalization, ModelFile.ToBytes(network, normalization is null ? TrainingState.Empty : new TrainingState(
            [new NamedTensor(MeanTensor, new Shape(normalization.Mean.Count), [.. normalization.Mean]),
             new NamedTensor(StdTensor, new Shape(normalization.Std.Count), [.. normalization.Std])],
            new Dictionary<string, string>())), probabilities)
    {
    }

    private ConvNetModel(Network network, ChannelNormalization? normalization, byte[] bytes, bool probabilities)
    {
        if (network.OutputShapes[0].Rank < 2)
            throw new ArgumentException($"The network must output (N, classes) or (N, classes, spatial...), this one outputs {network.OutputShapes[0]}.", nameof(network));
        _networkBytes = bytes;
        SampleShape = network.SampleShape;
        Normalization = normalization;
        OutputShape = new Shape(network.OutputShapes[0].ToArray()[1..]);
        ClassCount = OutputShape[0];
        Backend = network.Backend;
        Probabilities = probabilities;
        _pool.Add(new Scorer(network, probabilities));
    }

    /// <summary>Reads a model written by <see cref="Bytes"/>.</summary>
    /// <param name="backend">where to score; the CPU when null</param>
    public static ConvNetModel FromBytes(ReadOnlySpan<byte> bytes, IBackend? backend = null, bool probabilities = true) =>
        FromOwnedBytes(bytes.ToArray(), backend, probabilities);

    /// <summary>Reads a model from bytes that it keeps, without a copy, as its <see cref="Bytes"/>: the caller must not change them.</summary>
    internal static ConvNetModel FromOwnedBytes(byte[] bytes, IBackend? backend = null, bool probabilities = true)
    {
        var (network, state) = ModelFile.FromBytes(bytes, backend);
        try
        {
            return new ConvNetModel(network, ReadNormalization(state, network.SampleShape), bytes, probabilities);
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    /// <summary>The saved normalisation, checked against the input's channels.</summary>
    /// <exception cref="InvalidDataException">its statistics are not one or C finite values with positive deviations</exception>
    private static ChannelNormalization? ReadNormalization(TrainingState state, Shape sampleShape)
    {
        var mean = state.Tensors.FirstOrDefault(t => t.Name == MeanTensor);
        var std = state.Tensors.FirstOrDefault(t => t.Name == StdTensor);
        if (mean is null || std is null) return null;
        if (mean.Values.Length != std.Values.Length || (mean.Values.Length != 1 && mean.Values.Length != sampleShape[0]))
            throw new InvalidDataException($"corrupt normalisation: {mean.Values.Length} means and {std.Values.Length} deviations for {sampleShape[0]} channels.");
        try
        {
            return new ChannelNormalization(mean.Values, std.Values);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"corrupt normalisation: {e.Message}", e);
        }
    }

    public Shape SampleShape { get; }
    public ChannelNormalization? Normalization { get; }
    /// <summary>The number of classes: the output's channel count.</summary>
    public int ClassCount { get; }

    /// <summary>Whether <see cref="Score"/> gives softmax probabilities (true) or the network's output as it is (false).</summary>
    public bool Probabilities { get; }

    /// <summary>One sample's output: (classes) for a classifier, (classes, H, W) for per-pixel segmentation, (C, ...) features.</summary>
    public Shape OutputShape { get; }

    /// <summary>Where the model scores.</summary>
    public IBackend Backend { get; }

    /// <summary>The network and its normalisation in the engine's own file format (<see cref="ModelFile"/>).</summary>
    public ReadOnlyMemory<byte> Bytes => _networkBytes;

    /// <summary>Softmax probabilities over the class axis (or the output as it is, see <see cref="Probabilities"/>) for <paramref name="count"/> samples.</summary>
    /// <param name="features">count × sample size raw values (normalised here); overwritten</param>
    /// <param name="scores">count × OutputShape values</param>
    public void Score(Span<float> features, int count, Span<float> scores)
    {
        Normalization?.Apply(features, SampleShape, count);
        var scorer = _pool.TryTake(out var s) ? s : new Scorer(ModelFile.FromBytes(_networkBytes, Backend).Network, Probabilities);
        try
        {
            scorer.Run(features[..(count * SampleShape.Size)], count, scores[..(count * OutputShape.Size)]);
        }
        finally
        {
            _pool.Add(scorer);
        }
    }

    /// <summary>One network with its input and probability buffers, used by one thread at a time.</summary>
    private sealed class Scorer(Network network, bool probabilities)
    {
        private Tensor? _input, _probabilities;

        public void Run(ReadOnlySpan<float> features, int count, Span<float> scores)
        {
            var backend = network.Backend;
            var input = backend.Reuse(ref _input, network.InputShape.WithBatch(count));
            input.CopyFrom(features);
            var output = network.Forward(input);
            if (probabilities)
            {
                var softmax = backend.Reuse(ref _probabilities, output.Shape);
                backend.Loss.Softmax(output, softmax);
                output = softmax;
            }
            backend.Download(output, scores);
        }
    }
}
