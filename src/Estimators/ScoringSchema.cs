using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetConv.Estimators;

/// <summary>The output schema: the input columns plus Score and PredictedLabel with ML.NET's multiclass annotations.</summary>
internal static class ScoringSchema
{
    public const string ScoreColumnKind = "ScoreColumnKind", ScoreValueKind = "ScoreValueKind", SlotNames = "SlotNames", KeyValues = "KeyValues";

    public static DataViewSchema Build(DataViewSchema input, ConvNetClassificationTransformer t)
    {
        int k = t.Model.ClassCount;
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(input);

        var score = new DataViewSchema.Annotations.Builder();
        if (t.LabelAnnotations.Schema.GetColumnOrNull(KeyValues) is { } keyValues)
            score.Add(SlotNames, new VectorDataViewType(TextDataViewType.Instance, k), SlotNamesGetter(t.LabelAnnotations, keyValues, k));
        score.Add(ScoreColumnKind, TextDataViewType.Instance, Text("MulticlassClassification"));
        score.Add(ScoreValueKind, TextDataViewType.Instance, Text("Score"));
        builder.AddColumn(t.ScoreColumnName, new VectorDataViewType(NumberDataViewType.Single, k), score.ToAnnotations());

        var predicted = new DataViewSchema.Annotations.Builder();
        predicted.Add(t.LabelAnnotations, name => name == KeyValues);
        predicted.Add(ScoreValueKind, TextDataViewType.Instance, Text("PredictedLabel"));
        builder.AddColumn(t.PredictedLabelColumnName, new KeyDataViewType(typeof(uint), k), predicted.ToAnnotations());
        return builder.ToSchema();
    }

    private static ValueGetter<ReadOnlyMemory<char>> Text(string value) => (ref ReadOnlyMemory<char> v) => v = value.AsMemory();

    /// <summary>Slot names are the label's key values as text, whatever their type.</summary>
    private static ValueGetter<VBuffer<ReadOnlyMemory<char>>> SlotNamesGetter(DataViewSchema.Annotations labels, DataViewSchema.Column keyValues, int k)
    {
        var names = new string[k];
        var method = typeof(ScoringSchema).GetMethod(nameof(ReadKeyValues), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(((VectorDataViewType)keyValues.Type).ItemType.RawType);
        var values = (string[])method.Invoke(null, [labels, keyValues])!;
        for (int i = 0; i < k; i++) names[i] = i < values.Length ? values[i] : i.ToString();
        return (ref VBuffer<ReadOnlyMemory<char>> v) => v = new VBuffer<ReadOnlyMemory<char>>(k, names.Select(n => n.AsMemory()).ToArray());
    }

    private static string[] ReadKeyValues<T>(DataViewSchema.Annotations labels, DataViewSchema.Column keyValues)
    {
        VBuffer<T> buffer = default;
        labels.GetValue(keyValues.Name, ref buffer);
        return buffer.DenseValues().Select(v => v?.ToString() ?? "").ToArray();
    }
}
