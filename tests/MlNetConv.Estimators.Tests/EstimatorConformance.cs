using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetConv.Estimators.Persistence;

namespace MlNetConv.Estimators.Tests;

/// <summary>
/// The checks ML.NET makes of its own estimators (its TestEstimatorCore), for any of ours: the schema an estimator
/// promises before fitting is the schema its transformer gives; the transformer's schema is its output's; every row
/// can be read; the model survives <c>ml.Model.Save/Load</c> with the same columns and values; and input without a
/// required column, or with a column of the wrong type, is refused with that column named — by the estimator's
/// schema propagation, by Fit and by the fitted transformer alike.
/// </summary>
internal static class EstimatorConformance
{
    /// <param name="valid">data to fit on and score</param>
    /// <param name="invalid">views that each lack or mistype the column named beside it, and whether scoring needs that column (the label it does not)</param>
    /// <param name="compared">output columns whose values must survive saving (float vectors)</param>
    public static ITransformer Check<TTransformer>(MLContext ml, IEstimator<TTransformer> estimator, IDataView valid,
        IReadOnlyList<(IDataView View, string Column, bool NeededToScore)> invalid, string[] compared, string directory) where TTransformer : ITransformer
    {
        var promised = estimator.GetOutputSchema(ShapeOf(valid.Schema));
        var model = estimator.Fit(valid);
        var output = model.Transform(valid);

        // What was promised is what came: every promised column with its kind, item type and key-ness, and nothing else new.
        foreach (var column in promised)
        {
            var actual = output.Schema.GetColumnOrNull(column.Name) ?? throw new Xunit.Sdk.XunitException($"promised column '{column.Name}' is missing");
            var got = ShapeOf(new DataViewSchema.Builder().Also(actual).ToSchema()).Single();
            Assert.True(got.Kind == column.Kind && got.ItemType.Equals(column.ItemType) && got.IsKey == column.IsKey,
                $"column '{column.Name}': promised {column.Kind} {column.ItemType} (key: {column.IsKey}), got {actual.Type}");
        }
        Assert.Equal(promised.Select(c => c.Name).Order(), output.Schema.Where(c => !c.IsHidden).Select(c => c.Name).Distinct().Order());

        // The transformer's schema is its output's.
        AssertSameColumns(model.GetOutputSchema(valid.Schema), output.Schema);

        // Every row and column can be read.
        long rows = 0;
        using (var cursor = output.GetRowCursor(output.Schema))
            while (cursor.MoveNext()) rows++;
        Assert.Equal(valid.GetRowCount() ?? rows, rows);

        // Saved and loaded, the model gives the same columns and values.
        string path = Path.Combine(directory, $"conformance-{Guid.NewGuid():N}.zip");
        ml.Model.Save(model, valid.Schema, path);
        var loaded = new MLContext(seed: 9).Model.Load(path, out var savedInput);
        AssertSameColumns(valid.Schema, savedInput);
        // The loaded chain scores row by row with the same values; its columns carry no dimensions (ML.NET's saved
        // transformers cannot declare them), which the batched transformer restored from it gives back.
        var reloaded = loaded.Transform(valid);
        var restored = loaded.WithBatchedScoring().Transform(valid);
        foreach (string name in compared)
        {
            var (trained, saved) = ((VectorDataViewType)output.Schema[name].Type, (VectorDataViewType)reloaded.Schema[name].Type);
            Assert.Equal((trained.ItemType, trained.Size), (saved.ItemType, saved.Size));
            Assert.Equal(output.Schema[name].Type, restored.Schema[name].Type);
            Assert.Equal(Values(output, name), Values(reloaded, name));
            Assert.Equal(Values(output, name), Values(restored, name));
        }

        // Bad input is refused, naming the column, before anything is trained or scored.
        foreach (var (view, column, neededToScore) in invalid)
        {
            AssertNames(column, () => estimator.GetOutputSchema(ShapeOf(view.Schema)));
            AssertNames(column, () => estimator.Fit(view));
            if (!neededToScore) continue;
            AssertNames(column, () => model.GetOutputSchema(view.Schema));
            AssertNames(column, () => model.Transform(view));
        }
        return model;
    }

    /// <summary>
    /// The shape ML.NET's pipelines propagate for a schema. Its factory is internal to ML.NET (its own estimator tests
    /// reach it the same way): an application meets it only inside <c>EstimatorChain.GetOutputSchema</c>.
    /// </summary>
    private static SchemaShape ShapeOf(DataViewSchema schema) =>
        (SchemaShape)typeof(SchemaShape).GetMethod("Create", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static, [typeof(DataViewSchema)])!
            .Invoke(null, [schema])!;

    private static void AssertNames(string column, Action action)
    {
        var error = Assert.ThrowsAny<ArgumentException>(action);
        Assert.Contains($"'{column}'", error.Message);
    }

    private static void AssertSameColumns(DataViewSchema expected, DataViewSchema actual) =>
        Assert.Equal(expected.Select(c => (c.Name, c.Type.ToString(), c.IsHidden)), actual.Select(c => (c.Name, c.Type.ToString(), c.IsHidden)));

    private static List<float[]> Values(IDataView view, string column) => [.. view.GetColumn<float[]>(column)];

    private static DataViewSchema.Builder Also(this DataViewSchema.Builder builder, DataViewSchema.Column column)
    {
        builder.AddColumn(column.Name, column.Type, column.Annotations);
        return builder;
    }
}
