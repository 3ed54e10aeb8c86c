using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetConv.Training;

namespace MlNetConv.Estimators;

/// <summary>
/// Decodes the rows of an IDataView once into an engine data set: samples from the feature column (vectors or
/// images) and key labels (1..K, stored 0-based), so that epochs can be shuffled.
/// </summary>
internal static class DataViewReader
{
    /// <returns>the rows, and how many were left out (bad rows, with skipBadRows)</returns>
    public static (InMemoryDataset Data, int Skipped) Read(IDataView data, FeatureColumn featureColumn, string labelColumn, bool skipBadRows,
        string role, string? pathColumn)
    {
        var label = data.Schema[labelColumn];
        var shape = featureColumn.SampleShape;
        int size = shape.Size, capacity = (int)Math.Min(data.GetRowCount() ?? 0, int.MaxValue / size);
        var features = new List<float>(capacity * size);
        var labels = new List<int>(capacity);
        int skipped = 0;
        using var cursor = data.GetRowCursor([.. FeatureReader.Needs(data.Schema, featureColumn, pathColumn), label]);
        var reader = featureColumn.Reader(cursor, role, pathColumn);
        var getLabel = cursor.GetGetter<uint>(label);
        uint key = 0;
        var sample = new float[size];
        while (cursor.MoveNext())
        {
            try
            {
                getLabel(ref key);
                if (key == 0) throw new BadRowException(role, cursor.Position, labelColumn, null, "the label is missing (key value 0)");
                reader.Read(sample);
                foreach (float v in sample)
                    if (!float.IsFinite(v)) throw reader.Bad("the features hold NaN or infinity");
            }
            catch (BadRowException) when (skipBadRows)
            {
                skipped++;
                continue;
            }
            features.AddRange(sample);
            labels.Add((int)key - 1);
        }
        return (new InMemoryDataset([.. features], [.. labels], shape), skipped);
    }
}
