using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetConv.Estimators;

/// <summary>Helpers for the columns scoring adds: annotation names, class names from a label's key values, getters.</summary>
internal static class ScoringColumns
{
    public const string ScoreColumnKind = "ScoreColumnKind", ScoreValueKind = "ScoreValueKind", SlotNames = "SlotNames", KeyValues = "KeyValues";

    /// <summary>A getter that copies the row's probabilities into a float vector.</summary>
    public static ValueGetter<TValue> VectorGetter<TValue>(ScoresSource scores) => Transforms.VectorGetters.Of<float, TValue>(() => scores());

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

    public static ValueGetter<ReadOnlyMemory<char>> Text(string value) => (ref ReadOnlyMemory<char> v) => v = value.AsMemory();

    public static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
            if (values[i] > values[best]) best = i;
        return best;
    }
}
