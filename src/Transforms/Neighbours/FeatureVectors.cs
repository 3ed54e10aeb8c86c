using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetConv.Transforms;

/// <summary>A known-size Single vector column (features to search): its checks and a reader of one row's values.</summary>
internal static class FeatureVectors
{
    public static DataViewSchema.Column Find(DataViewSchema schema, string name, string role) =>
        schema.GetColumnOrNull(name)
        ?? throw new ArgumentOutOfRangeException(nameof(schema), $"NearestNeighbours: {role} column '{name}' not found; the schema has: {string.Join(", ", schema.Select(c => c.Name))}.");

    /// <summary>The vectors' size.</summary>
    /// <exception cref="ArgumentOutOfRangeException">no such column, or not a known-size Single vector</exception>
    public static int Dimension(DataViewSchema schema, string name, string role) => Find(schema, name, role).Type switch
    {
        VectorDataViewType { IsKnownSize: true } vector when vector.ItemType == NumberDataViewType.Single => vector.Size,
        var other => throw new ArgumentOutOfRangeException(nameof(schema), $"NearestNeighbours: {role} column '{name}' must be a vector of a known number of Single values, got {other}."),
    };

    /// <summary>The same checks on a schema shape, which records no size.</summary>
    public static void Check(SchemaShape shape, string name, string role)
    {
        var column = shape.FirstOrDefault(c => c.Name == name);
        if (column.Name is null)
            throw new ArgumentOutOfRangeException(nameof(shape), $"NearestNeighbours: {role} column '{name}' not found; the schema has: {string.Join(", ", shape.Select(c => c.Name))}.");
        if (column.Kind != SchemaShape.Column.VectorKind.Vector || column.ItemType != NumberDataViewType.Single || column.IsKey)
            throw new ArgumentOutOfRangeException(nameof(shape), $"NearestNeighbours: {role} column '{name}' must be a vector of a known number of Single values, got a {column.Kind} of {column.ItemType}.");
    }

    /// <summary>Copies the row's vector into a span of its size; NaN or infinity is an error naming the column, the row and the position.</summary>
    public static Action<Span<float>> Reader(DataViewRow row, DataViewSchema.Column column, string role)
    {
        var getter = row.GetGetter<VBuffer<float>>(column);
        VBuffer<float> buffer = default;
        return destination =>
        {
            getter(ref buffer);
            buffer.CopyTo(destination);
            for (int i = 0; i < destination.Length; i++)
                if (!float.IsFinite(destination[i]))
                    throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                        $"NearestNeighbours: {role} column '{column.Name}' holds {destination[i]} at position {i} of row {row.Position}: distances need finite values."));
        };
    }
}
