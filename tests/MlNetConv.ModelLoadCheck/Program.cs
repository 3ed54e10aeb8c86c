// Loads an ML.NET model zip with nothing but ml.Model.Load (no registration call) and prints, one row per line,
// the predicted label (or class map; "-" for a featurizer) and the scores (a featurizer's features, whose output column
// the tests name Score) in round-trip format: the other half of the save/load round-trip tests.
// Usage: MlNetConv.ModelLoadCheck <model.zip> <features.bin>   (features.bin: int32 rows, int32 size, float32 values)
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

if (args.Length != 2)
{
    Console.Error.WriteLine("usage: MlNetConv.ModelLoadCheck <model.zip> <features.bin>");
    return 2;
}
var ml = new MLContext(seed: 0);
var model = ml.Model.Load(args[0], out var inputSchema);
using var reader = new BinaryReader(File.OpenRead(args[1]));
int rows = reader.ReadInt32(), size = reader.ReadInt32();
var featureColumn = inputSchema.GetColumnOrNull("Features") ?? inputSchema.Single(c => c.Type is VectorDataViewType);
var definition = SchemaDefinition.Create(typeof(Row));
definition[nameof(Row.Features)].ColumnName = featureColumn.Name;
definition[nameof(Row.Features)].ColumnType = featureColumn.Type;
if (inputSchema.GetColumnOrNull("Label")?.Type != TextDataViewType.Instance) definition.Remove(definition[nameof(Row.Label)]);
var data = ml.Data.LoadFromEnumerable(
    Enumerable.Range(0, rows).Select(_ => new Row { Features = [.. Enumerable.Range(0, size).Select(_ => reader.ReadSingle())] }).ToList(), definition);
var scored = model.Transform(data);
using var cursor = scored.GetRowCursor(scored.Schema);
var score = cursor.GetGetter<VBuffer<float>>(scored.Schema["Score"]);
var predicted = scored.Schema.GetColumnOrNull("PredictedMask") is { } mask ? Mask(cursor, mask)
    : scored.Schema.GetColumnOrNull("PredictedLabel") is { } predictedLabel ? Text(cursor, predictedLabel) : () => "-";
VBuffer<float> scores = default;
while (cursor.MoveNext())
{
    score(ref scores);
    string label = predicted();
    Console.WriteLine($"{label} {string.Join(' ', scores.DenseValues().Select(s => s.ToString("R", CultureInfo.InvariantCulture)))}");
}
return 0;

// A segmentation model's class map as comma-separated class indices.
static Func<string> Mask(DataViewRow row, DataViewSchema.Column column)
{
    var getter = row.GetGetter<VBuffer<uint>>(column);
    return () => { VBuffer<uint> v = default; getter(ref v); return string.Join(',', v.DenseValues()); };
}

// The predicted label as text: a key's index, or the label's value after MapKeyToValue.
static Func<string> Text(DataViewRow row, DataViewSchema.Column column)
{
    if (column.Type is KeyDataViewType)
    {
        var key = row.GetGetter<uint>(column);
        return () => { uint v = 0; key(ref v); return v.ToString(CultureInfo.InvariantCulture); };
    }
    var text = row.GetGetter<ReadOnlyMemory<char>>(column);
    return () => { ReadOnlyMemory<char> v = default; text(ref v); return v.ToString(); };
}

// Features, and an empty Label where the pipeline maps one (as ML.NET pipelines that start with MapValueToKey do).
internal sealed class Row
{
    public string Label { get; set; } = "";
    public float[] Features { get; set; } = [];
}
