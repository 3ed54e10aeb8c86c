using MlNetConv.Tensors;

namespace MlNetConv.Training;

/// <summary>Samples held in arrays: features (Count × sample size) and labels (Count × labels per sample).</summary>
public sealed class InMemoryDataset : IDataset
{
    private readonly float[] _features;
    private readonly int[] _labels;

    public InMemoryDataset(float[] features, int[] labels, Shape sampleShape, int labelsPerSample = 1)
    {
        int sample = sampleShape.Size;
        if (sample == 0 || features.Length % sample != 0)
            throw new ArgumentException($"Features hold {features.Length} values, not a whole number of samples of shape {sampleShape}.", nameof(features));
        Count = features.Length / sample;
        if (labels.Length != Count * labelsPerSample)
            throw new ArgumentException($"{Count} samples need {Count * labelsPerSample} labels, got {labels.Length}.", nameof(labels));
        _features = features;
        _labels = labels;
        SampleShape = sampleShape;
        LabelsPerSample = labelsPerSample;
    }

    public int Count { get; }
    public Shape SampleShape { get; }
    public int LabelsPerSample { get; }

    public void CopyBatch(ReadOnlySpan<int> indices, Span<float> features, Span<int> labels)
    {
        int sample = SampleShape.Size;
        for (int i = 0; i < indices.Length; i++)
        {
            int at = indices[i];
            if ((uint)at >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(indices), $"Sample {at} is outside 0..{Count - 1}.");
            _features.AsSpan(at * sample, sample).CopyTo(features.Slice(i * sample, sample));
            _labels.AsSpan(at * LabelsPerSample, LabelsPerSample).CopyTo(labels.Slice(i * LabelsPerSample, LabelsPerSample));
        }
    }

    /// <summary>A view of some samples of another dataset (indices into it, each at most once), shuffled as the source shuffles.</summary>
    public static IDataset Subset(IDataset source, int[] indices) => new SubsetDataset(source, indices);

    private sealed class SubsetDataset(IDataset source, int[] indices) : IDataset
    {
        /// <summary>Source index → position in this subset, or -1.</summary>
        private int[]? _positions;

        /// <summary>The source's epoch order restricted to this subset's samples.</summary>
        public void ShuffleEpoch(Span<int> order, RandomStream random)
        {
            if (_positions is null)
            {
                var positions = new int[source.Count];
                Array.Fill(positions, -1);
                for (int i = 0; i < indices.Length; i++) positions[indices[i]] = i;
                _positions = positions;
            }
            var sourceOrder = Enumerable.Range(0, source.Count).ToArray();
            source.ShuffleEpoch(sourceOrder, random);
            int n = 0;
            foreach (int at in sourceOrder)
                if (_positions[at] >= 0) order[n++] = _positions[at];
        }

        public int Count => indices.Length;
        public Shape SampleShape => source.SampleShape;
        public int LabelsPerSample => source.LabelsPerSample;

        public void CopyBatch(ReadOnlySpan<int> batch, Span<float> features, Span<int> labels)
        {
            Span<int> mapped = batch.Length <= 1024 ? stackalloc int[batch.Length] : new int[batch.Length];
            for (int i = 0; i < batch.Length; i++) mapped[i] = indices[batch[i]];
            source.CopyBatch(mapped, features, labels);
        }
    }
}
