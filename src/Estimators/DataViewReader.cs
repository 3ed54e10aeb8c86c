using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetConv.Training;

namespace MlNetConv.Estimators;

/// <summary>
/// Turns an IDataView into an engine data set in one checked pass: every row's label (a class or a mask) and sample
/// (vector or image) are read, and bad rows fail or are skipped. The samples are kept in memory when they
/// fit in <c>maxInMemoryBytes</c>; otherwise only the rows' positions and labels are kept and a
/// <see cref="StreamingDataset"/> reads the samples again in cache-sized pieces each epoch.
/// </summary>
internal static class DataViewReader
{
    /// <returns>the rows, and how many were left out (bad rows, with skipBadRows)</returns>
    public static (IDataset Data, int Skipped) Read(IDataView data, FeatureColumn featureColumn, LabelColumn labelColumn, bool skipBadRows,
        string role, string? pathColumn, long maxInMemoryBytes)
    {
        var label = data.Schema[labelColumn.Name];
        int labelsPerSample = labelColumn.LabelsPerSample;
        var shape = featureColumn.SampleShape;
        int size = shape.Size;
        long sampleBytes = size * (long)sizeof(float);
        long budgetSamples = Math.Max(1, maxInMemoryBytes / sampleBytes);
        var features = new List<float>((int)Math.Min(Math.Min(data.GetRowCount() ?? 0, budgetSamples) * size, int.MaxValue / 2));
        var labels = new List<int>();
        var rows = new List<long>();
        bool streaming = false;
        int skipped = 0;
        using var cursor = data.GetRowCursor([.. FeatureReader.Needs(data.Schema, featureColumn, pathColumn), label]);
        var reader = featureColumn.Reader(cursor, role, pathColumn);
        var readLabels = labelColumn.Reader(cursor, role);
        var targets = new int[labelsPerSample];
        var sample = new float[size];
        while (cursor.MoveNext())
        {
            try
            {
                readLabels(targets);
                reader.Read(sample);
                foreach (float v in sample)
                    if (!float.IsFinite(v)) throw reader.Bad("the features hold NaN or infinity");
            }
            catch (BadRowException) when (skipBadRows)
            {
                skipped++;
                continue;
            }
            labels.AddRange(targets);
            rows.Add(cursor.Position);
            if (streaming) continue;
            if (rows.Count > budgetSamples)
            {
                streaming = true;
                features = [];
                continue;
            }
            features.AddRange(sample);
        }
        return streaming
            ? (new StreamingDataset(data, featureColumn, role, pathColumn, [.. rows], [.. labels], labelsPerSample, budgetSamples), skipped)
            : (new InMemoryDataset([.. features], [.. labels], shape, labelsPerSample), skipped);
    }
}
