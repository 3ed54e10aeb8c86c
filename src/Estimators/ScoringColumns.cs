using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetConv.Estimators;

/// <summary>The class probabilities of the row being read.</summary>
internal delegate ReadOnlySpan<float> ScoresSource();

/// <summary>
/// The two columns scoring adds, in one place for the batched view and the row mapper: the schema (input columns,
/// then Score and PredictedLabel with ML.NET's multiclass annotations) and their getters.
/// </summary>
internal static class ScoringColumns
{
    public const string ScoreColumnKind = "ScoreColumnKind", ScoreValueKind = "ScoreValueKind", SlotNames = "SlotNames", KeyValues = "KeyValues";

    public static DataViewSchema Schema(DataViewSchema input, ConvNetClassificationTransformer t)
    {
        int k = t.Model.ClassCount;
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(input);

        var score = new DataViewSchema.Annotations.Builder();
        var names = t.ClassNames.Select(n => n.AsMemory()).ToArray();
        score.Add(SlotNames, new VectorDataViewType(TextDataViewType.Instance, k),
            (ref VBuffer<ReadOnlyMemory<char>> v) => v = new VBuffer<ReadOnlyMemory<char>>(k, names));
        score.Add(ScoreColumnKind, TextDataViewType.Instance, Text("MulticlassClassification"));
        score.Add(ScoreValueKind, TextDataViewType.Instance, Text("Score"));
        builder.AddColumn(t.ScoreColumnName, new VectorDataViewType(NumberDataViewType.Single, k), score.ToAnnotations());

        var predicted = new DataViewSchema.Annotations.Builder();
        predicted.Add(t.LabelAnnotations, name => name == KeyValues);
        predicted.Add(ScoreValueKind, TextDataViewType.Instance, Text("PredictedLabel"));
        builder.AddColumn(t.PredictedLabelColumnName, new KeyDataViewType(typeof(uint), k), predicted.ToAnnotations());
        return builder.ToSchema();
    }

    /// <summary>The getter of an added column: Score (index inputCount) or PredictedLabel (inputCount + 1).</summary>
    public static ValueGetter<TValue> Getter<TValue>(DataViewSchema.Column column, int inputCount, ScoresSource scores)
    {
        if (column.Index == inputCount)
        {
            ValueGetter<VBuffer<float>> score = (ref VBuffer<float> v) =>
            {
                var s = scores();
                var editor = VBufferEditor.Create(ref v, s.Length);
                s.CopyTo(editor.Values);
                v = editor.Commit();
            };
            return (ValueGetter<TValue>)(Delegate)score;
        }
        ValueGetter<uint> predicted = (ref uint v) => v = (uint)ArgMax(scores()) + 1;
        return (ValueGetter<TValue>)(Delegate)predicted;
    }

    /// <summary>The label's key values as text (the class names), whatever their type; positions without one get their index.</summary>
    public static string[] ClassNames(DataViewSchema.Annotations labelAnnotations, int classCount)
    {
        var names = Enumerable.Range(0, classCount).Select(i => i.ToString()).ToArray();
        if (labelAnnotations.Schema.GetColumnOrNull(KeyValues) is not { Type: VectorDataViewType keyValues }) return names;
        var read = typeof(ScoringColumns).GetMethod(nameof(ReadKeyValues), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(keyValues.ItemType.RawType);
        var values = (string[])read.Invoke(null, [labelAnnotations])!;
        for (int i = 0; i < Math.Min(classCount, values.Length); i++) names[i] = values[i];
        return names;
    }

    private static string[] ReadKeyValues<T>(DataViewSchema.Annotations labels)
    {
        VBuffer<T> buffer = default;
        labels.GetValue(KeyValues, ref buffer);
        return buffer.DenseValues().Select(v => v?.ToString() ?? "").ToArray();
    }

    private static ValueGetter<ReadOnlyMemory<char>> Text(string value) => (ref ReadOnlyMemory<char> v) => v = value.AsMemory();

    public static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
            if (values[i] > values[best]) best = i;
        return best;
    }
}
