using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetConv.Estimators;

/// <summary>Input-column validation shared by the trainer and the transformer, with messages that name the column.</summary>
internal static class SchemaChecks
{
    public static DataViewSchema.Column Column(DataViewSchema schema, string name, string role) =>
        schema.GetColumnOrNull(name)
        ?? throw new ArgumentOutOfRangeException(nameof(schema), $"ConvNet: {role} column '{name}' not found; the schema has: {string.Join(", ", schema.Select(c => c.Name))}.");

    /// <summary>The feature column as a known-size vector of Single (of <paramref name="expectedSize"/> values when given).</summary>
    public static VectorDataViewType FeatureVector(DataViewSchema schema, string name, int? expectedSize = null)
    {
        var column = Column(schema, name, "feature");
        if (column.Type is not VectorDataViewType vector || vector.ItemType != NumberDataViewType.Single || !vector.IsKnownSize
            || (expectedSize is { } size && vector.Size != size))
            throw new ArgumentOutOfRangeException(nameof(schema),
                $"ConvNet: column '{name}' must be a vector of {(expectedSize is { } s ? s.ToString() : "a known number of")} Single values, got {column.Type}.");
        return vector;
    }
}
