using MlNetConv.Tensors;

namespace MlNetConv.Training;

/// <summary>
/// Labelled samples the trainer reads in mini-batches by index. An implementation may stream from disk; the trainer
/// never needs all samples in memory at once.
/// </summary>
public interface IDataset
{
    int Count { get; }

    /// <summary>One sample without the batch dimension, e.g. (1, 28, 28).</summary>
    Shape SampleShape { get; }

    /// <summary>Labels per sample: 1 for classification, H·W for per-pixel segmentation.</summary>
    int LabelsPerSample { get; }

    /// <summary>Copies the given samples into features (indices.Length × sample size) and labels (indices.Length × LabelsPerSample).</summary>
    void CopyBatch(ReadOnlySpan<int> indices, Span<float> features, Span<int> labels);

    /// <summary>
    /// Puts one epoch's sample indices (0..Count-1, given in order) into a random order drawn from
    /// <paramref name="random"/>. A full shuffle by default; a streaming dataset may choose an order that reads its
    /// source in large sequential pieces.
    /// </summary>
    void ShuffleEpoch(Span<int> order, RandomStream random) => random.Shuffle(order);
}
