using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetConv.Tensors;
using MlNetConv.Training;

namespace MlNetConv.Estimators;

/// <summary>
/// Decodes the rows of an IDataView once into an engine data set: raw features (known-size float vectors)
/// and key labels (1..K, stored 0-based), so that epochs can be shuffled.
/// </summary>
internal static class DataViewReader
{
    /// <returns>the rows, and how many were left out (missing label or non-finite features) with skipBadRows</returns>
    public static (InMemoryDataset Data, int Skipped) Read(IDataView data, string featureColumn, string labelColumn, Shape sampleShape,
        bool skipBadRows, string role)
    {
        var feature = data.Schema[featureColumn];
        var label = data.Schema[labelColumn];
        int size = sampleShape.Size, capacity = (int)Math.Min(data.GetRowCount() ?? 0, int.MaxValue / size);
        var features = new List<float>(capacity * size);
        var labels = new List<int>(capacity);
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
                if (!skipBadRows) throw new InvalidOperationException($"{role} row {row}: {problem}. Set SkipBadRows to skip such rows.");
                skipped++;
                continue;
            }
            features.AddRange(dense);
            labels.Add((int)key - 1);
        }
        return (new InMemoryDataset([.. features], [.. labels], sampleShape), skipped);
    }
}
