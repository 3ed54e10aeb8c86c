using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetConv.Tensors;
using MlNetConv.Training;
using MlNetConv.Transforms;

namespace MlNetConv.Estimators;

/// <summary>
/// The rows of an IDataView as a training set: features (known-size float vectors) and key labels (1..K, stored
/// 0-based). Rows are decoded once into a compact cache so that epochs can be shuffled.
/// </summary>
internal sealed class DataViewDataset : IDataset
{
    private readonly float[] _features;
    private readonly int[] _labels;

    private DataViewDataset(float[] features, int[] labels, Shape sampleShape, int skipped)
    {
        _features = features;
        _labels = labels;
        SampleShape = sampleShape;
        Skipped = skipped;
    }

    public int Count => _labels.Length;
    public Shape SampleShape { get; }
    public int LabelsPerSample => 1;

    /// <summary>Rows left out because their label was missing or their features not finite (with SkipBadRows).</summary>
    public int Skipped { get; }

    public void CopyBatch(ReadOnlySpan<int> indices, Span<float> features, Span<int> labels)
    {
        int size = SampleShape.Size;
        for (int i = 0; i < indices.Length; i++)
        {
            _features.AsSpan(indices[i] * size, size).CopyTo(features.Slice(i * size, size));
            labels[i] = _labels[indices[i]];
        }
    }

    public static DataViewDataset Read(IDataView data, string featureColumn, string labelColumn, Shape sampleShape,
        ChannelNormalization? normalization, bool skipBadRows, string role)
    {
        var feature = data.Schema[featureColumn];
        var label = data.Schema[labelColumn];
        int size = sampleShape.Size;
        var features = new List<float>();
        var labels = new List<int>();
        int skipped = 0;
        long row = -1;
        using var cursor = data.GetRowCursor([feature, label]);
        var getFeatures = cursor.GetGetter<VBuffer<float>>(feature);
        var getLabel = cursor.GetGetter<uint>(label);
        VBuffer<float> buffer = default;
        uint key = 0;
        var dense = new float[size];
        while (cursor.MoveNext())
        {
            row++;
            getFeatures(ref buffer);
            getLabel(ref key);
            if (buffer.Length != size)
                throw new InvalidOperationException($"{role} row {row}: column '{featureColumn}' has {buffer.Length} values, expected {size} for input shape {sampleShape}.");
            buffer.CopyTo(dense);
            string? problem = key == 0 ? $"column '{labelColumn}' is missing (key value 0)"
                : !dense.All(float.IsFinite) ? $"column '{featureColumn}' holds NaN or infinity" : null;
            if (problem is not null)
            {
                if (skipBadRows)
                {
                    skipped++;
                    continue;
                }
                throw new InvalidOperationException($"{role} row {row}: {problem}. Set SkipBadRows to skip such rows.");
            }
            normalization?.Apply(dense, sampleShape, 1);
            features.AddRange(dense);
            labels.Add((int)key - 1);
        }
        return new DataViewDataset([.. features], [.. labels], sampleShape, skipped);
    }
}
