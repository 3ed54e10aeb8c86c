using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetConv.Data;
using MlNetConv.Neighbours;

namespace MlNetConv.Transforms.Tests;

/// <summary>
/// ml.Transforms.NearestNeighbours: the columns it promises are the ones it adds, its neighbours are the reference
/// twin's (batched, row by row, leaving one out), labels of any type come back as they went in, and bad input is
/// refused with the column and the row named.
/// </summary>
public sealed class NearestNeighboursTests
{
    private const int D = 5;

    private sealed class Row
    {
        [VectorType(D)] public float[] Features { get; set; } = [];
        public string Label { get; set; } = "";
        public int Number { get; set; }
    }

    private sealed class Query
    {
        [VectorType(D)] public float[] Features { get; set; } = [];
    }

    private static readonly string[] Names = ["cat", "dog", "owl"];

    /// <summary>Small integers: every distance exact, ties and duplicates plenty.</summary>
    private static Row[] Rows(int count, int seed)
    {
        var random = new Random(seed);
        var rows = new Row[count];
        for (int i = 0; i < count; i++)
        {
            int label = random.Next(3);
            rows[i] = new Row
            {
                Features = [.. Enumerable.Range(0, D).Select(j => (float)(label * 3 + random.Next(3)))],
                Label = Names[label],
                Number = 10 + label,
            };
        }
        for (int i = 1; i < count; i += 5) rows[i - 1].Features.CopyTo(rows[i].Features, 0);
        return rows;
    }

    [Fact]
    public void Transform_MatchesReferenceTwin_InBatches_WithKeyLabels()
    {
        var ml = new MLContext(seed: 1);
        var train = Rows(53, 1);
        var test = Rows(31, 2);
        var trainView = ml.Transforms.Conversion.MapValueToKey("Label").Fit(ml.Data.LoadFromEnumerable(train)).Transform(ml.Data.LoadFromEnumerable(train));
        var testView = ml.Data.LoadFromEnumerable(test.Select(r => new Query { Features = r.Features }));
        var model = ml.Transforms.NearestNeighbours(ml, new NearestNeighboursOptions { K = 4, Reference = trainView, LabelColumnName = "Label", BatchSize = 7 })
            .Fit(testView);
        var output = model.Transform(testView);

        Assert.Equal(new VectorDataViewType(NumberDataViewType.Int32, 4), output.Schema["Neighbours"].Type);
        Assert.Equal(new VectorDataViewType(NumberDataViewType.Single, 4), output.Schema["NeighbourDistances"].Type);
        var labelType = Assert.IsType<VectorDataViewType>(output.Schema["NeighbourLabels"].Type);
        Assert.Equal(trainView.Schema["Label"].Type, labelType.ItemType);

        var vectors = train.SelectMany(r => r.Features).ToArray();
        var expected = NearestNeighbourReference.Search(vectors, D, test.SelectMany(r => r.Features).ToArray(), 4);
        Assert.Equal(expected.Indices, Read<int>(output, "Neighbours").SelectMany(v => v));
        Assert.Equal(expected.Distances, Read<float>(output, "NeighbourDistances").SelectMany(v => v));

        // The neighbours' labels are keys over the training labels: MapKeyToValue gives their names back.
        var named = ml.Transforms.Conversion.MapKeyToValue("NeighbourNames", "NeighbourLabels").Fit(output).Transform(output);
        var names = Read<ReadOnlyMemory<char>>(named, "NeighbourNames").SelectMany(v => v).Select(t => t.ToString());
        Assert.Equal(expected.Indices.Select(i => train[i].Label), names);
    }

    [Fact]
    public void WithoutReference_LeaveOneOut_SearchesTheFittedRowsAndScoresPrecision()
    {
        var ml = new MLContext(seed: 1);
        var rows = Rows(40, 3);
        var view = ml.Data.LoadFromEnumerable(rows);
        var model = ml.Transforms.NearestNeighbours(ml, new NearestNeighboursOptions { K = 3, LabelColumnName = "Label", LeaveOneOut = true, BatchSize = 6 }).Fit(view);
        var output = model.Transform(view);

        var vectors = rows.SelectMany(r => r.Features).ToArray();
        var expected = NearestNeighbourReference.Search(vectors, D, vectors, 3, [.. Enumerable.Range(0, rows.Length)]);
        var neighbours = Read<int>(output, "Neighbours");
        Assert.Equal(expected.Indices, neighbours.SelectMany(v => v));
        for (int i = 0; i < rows.Length; i++) Assert.DoesNotContain(i, neighbours[i]);

        // Text labels come back as text; precision at K is the share of neighbours with the row's label.
        Assert.Equal(TextDataViewType.Instance, ((VectorDataViewType)output.Schema["NeighbourLabels"].Type).ItemType);
        var labels = Read<ReadOnlyMemory<char>>(output, "NeighbourLabels").SelectMany(v => v).Select(t => t.ToString()).ToArray();
        Assert.Equal(expected.Indices.Select(i => rows[i].Label), labels);
        double precision = Enumerable.Range(0, rows.Length).Average(q => Enumerable.Range(0, 3).Count(j => labels[q * 3 + j] == rows[q].Label) / 3.0);
        Assert.Equal(precision, model.PrecisionAtK(output), 12);
        Assert.InRange(precision, 0.5, 1.0);
    }

    [Fact]
    public void PredictionEngine_GivesTheBatchedResults()
    {
        var ml = new MLContext(seed: 1);
        var rows = Rows(30, 4);
        var view = ml.Data.LoadFromEnumerable(rows);
        var model = ml.Transforms.NearestNeighbours(ml, new NearestNeighboursOptions { K = 5, LabelColumnName = "Number" }).Fit(view);
        var batched = Read<int>(model.Transform(view), "Neighbours");
        var engine = ml.Model.CreatePredictionEngine<Row, Output>(model);
        for (int i = 0; i < 6; i++)
        {
            var prediction = engine.Predict(rows[i]);
            Assert.Equal(batched[i], prediction.Neighbours);
            Assert.Equal(prediction.Neighbours.Select(n => rows[n].Number), prediction.NeighbourLabels);
        }
    }

    private sealed class Output
    {
        public int[] Neighbours { get; set; } = [];
        public float[] NeighbourDistances { get; set; } = [];
        public int[] NeighbourLabels { get; set; } = [];
    }

    /// <summary>The shape promised before fitting is the schema after, for every kind of label; and a chain propagates it.</summary>
    [Theory]
    [InlineData(null, false)]
    [InlineData("Label", false)]
    [InlineData("Label", true)]
    [InlineData("Number", false)]
    public void PromisedSchema_IsTheOutputsSchema(string? label, bool key)
    {
        var ml = new MLContext(seed: 1);
        var raw = ml.Data.LoadFromEnumerable(Rows(20, 5));
        var view = key ? ml.Transforms.Conversion.MapValueToKey("Label").Fit(raw).Transform(raw) : raw;
        var estimator = ml.Transforms.NearestNeighbours(ml, new NearestNeighboursOptions { K = 2, LabelColumnName = label });
        var promised = estimator.GetOutputSchema(ShapeOf(view.Schema));
        var output = estimator.Fit(view).Transform(view);
        var actual = ShapeOf(output.Schema);
        Assert.Equal(actual.Select(c => c.Name).Order(), promised.Select(c => c.Name).Order());
        foreach (var column in promised)
        {
            var got = actual.Single(c => c.Name == column.Name);
            Assert.True(got.Kind == column.Kind && got.ItemType.Equals(column.ItemType) && got.IsKey == column.IsKey,
                $"column '{column.Name}': promised {column.Kind} {column.ItemType} (key {column.IsKey}), got {got.Kind} {got.ItemType} (key {got.IsKey})");
        }
        if (key)
        {
            var chain = ml.Transforms.NearestNeighbours(ml, new NearestNeighboursOptions { K = 2, LabelColumnName = "Label" })
                .Append(ml.Transforms.Conversion.MapKeyToValue("NeighbourNames", "NeighbourLabels"));
            var names = Read<ReadOnlyMemory<char>>(chain.Fit(view).Transform(view), "NeighbourNames");
            Assert.All(names.SelectMany(v => v), n => Assert.Contains(n.ToString(), Names));
        }
    }

    [Fact]
    public void BadInput_IsRefused_NamingTheColumnOrRow()
    {
        var ml = new MLContext(seed: 1);
        var rows = Rows(10, 6);
        var view = ml.Data.LoadFromEnumerable(rows);
        NearestNeighboursEstimator Estimator(NearestNeighboursOptions o) => ml.Transforms.NearestNeighbours(ml, o);

        Assert.Contains("feature column 'Pixels' not found", Assert.ThrowsAny<ArgumentException>(() => Estimator(new() { FeatureColumnName = "Pixels" }).Fit(view)).Message);
        Assert.Contains("feature column 'Pixels' not found", Assert.ThrowsAny<ArgumentException>(() => Estimator(new() { FeatureColumnName = "Pixels" }).GetOutputSchema(ShapeOf(view.Schema))).Message);
        Assert.Contains("feature column 'Label' must be a vector of a known number of Single values", Assert.ThrowsAny<ArgumentException>(() => Estimator(new() { FeatureColumnName = "Label" }).Fit(view)).Message);
        Assert.Contains("'Label' must be a vector", Assert.ThrowsAny<ArgumentException>(() => Estimator(new() { FeatureColumnName = "Label" }).GetOutputSchema(ShapeOf(view.Schema))).Message);
        Assert.Contains("K = 11, but the reference has 10 rows", Assert.Throws<ArgumentOutOfRangeException>(() => Estimator(new() { K = 11 }).Fit(view)).Message);
        Assert.Contains("K = 10, but the reference has 10 rows, one of which each row leaves out", Assert.Throws<ArgumentOutOfRangeException>(() => Estimator(new() { K = 10, LeaveOneOut = true }).Fit(view)).Message);
        Assert.Contains("label column 'Colour' not found", Assert.ThrowsAny<ArgumentException>(() => Estimator(new() { LabelColumnName = "Colour" }).Fit(view)).Message);
        Assert.Contains("label column 'Features' must hold one key, number, boolean or text per row", Assert.ThrowsAny<ArgumentException>(() => Estimator(new() { LabelColumnName = "Features" }).Fit(view)).Message);
        Assert.Contains("K must be at least 1", Assert.Throws<ArgumentOutOfRangeException>(() => Estimator(new() { K = 0 })).Message);
        Assert.Contains("different names", Assert.Throws<ArgumentException>(() => Estimator(new() { DistancesColumnName = "Neighbours" })).Message);

        // Another dimension in the data to transform.
        var model = Estimator(new() { K = 2 }).Fit(view);
        var wide = ml.Data.LoadFromEnumerable(new[] { new Wide() });
        Assert.Contains("feature column 'Features' holds 6 values, but the reference vectors hold 5", Assert.ThrowsAny<ArgumentException>(() => model.Transform(wide)).Message);
        Assert.Contains("holds 6 values", Assert.ThrowsAny<ArgumentException>(() => model.GetOutputSchema(wide.Schema)).Message);

        // NaN in row 3 of the reference and of the data to transform.
        var bad = Rows(10, 6);
        bad[3].Features[2] = float.NaN;
        var badView = ml.Data.LoadFromEnumerable(bad);
        Assert.Contains("reference feature column 'Features' holds NaN at position 2 of row 3", Assert.Throws<InvalidOperationException>(() => Estimator(new() { K = 2 }).Fit(badView)).Message);
        Assert.Contains("feature column 'Features' holds NaN at position 2 of row 3", Assert.Throws<InvalidOperationException>(() => Read<int>(model.Transform(badView), "Neighbours")).Message);

        // Leaving one out of more rows than the reference has.
        var loo = Estimator(new() { K = 2, LeaveOneOut = true }).Fit(ml.Data.LoadFromEnumerable(rows.Take(5)));
        Assert.Contains("row 5 has no reference row to leave out", Assert.Throws<InvalidOperationException>(() => Read<int>(loo.Transform(view), "Neighbours")).Message);

        // Not savable yet, and saying so.
        var error = Assert.Throws<NotSupportedException>(() => ml.Model.Save(model, view.Schema, new MemoryStream()));
        Assert.Contains("NearestNeighbours cannot be saved into an ML.NET model zip yet", error.Message);
    }

    private sealed class Wide
    {
        [VectorType(6)] public float[] Features { get; set; } = new float[6];
    }

    /// <summary>Raw pixels of held-out MNIST digits against 2,000 others: the lecture's retrieval, on the data the repository ships.</summary>
    [Fact]
    public void MnistPixels_NearestNeighboursShareTheDigit()
    {
        var digits = MnistDigits.Load(Path.Combine(AppContext.BaseDirectory, "data", MnistDigits.FileName));
        var ml = new MLContext(seed: 1);
        IDataView View(int start, int count) => ml.Data.LoadFromEnumerable(Enumerable.Range(start, count).Select(i =>
        {
            var pixels = new float[MnistDigits.PixelsPerImage];
            digits.CopyImage(i, pixels);
            return new Digit { Pixels = pixels, Label = digits.Label(i) };
        }));
        var train = View(0, 2000);
        var test = View(2000, 300);
        var model = ml.Transforms.NearestNeighbours(ml, new NearestNeighboursOptions { FeatureColumnName = "Pixels", Reference = train, LabelColumnName = "Label", K = 6 })
            .Fit(train);
        var output = model.Transform(test);
        double precision = model.PrecisionAtK(output);
        Assert.InRange(precision, 0.85, 1.0);

        // The same search through the index directly, by the engine's vocabulary.
        var pixels = new float[300 * MnistDigits.PixelsPerImage];
        for (int i = 0; i < 300; i++) digits.CopyImage(2000 + i, pixels.AsSpan(i * MnistDigits.PixelsPerImage, MnistDigits.PixelsPerImage));
        var direct = model.Index.Search(pixels, 6);
        Assert.Equal(direct.Indices, Read<int>(output, "Neighbours").SelectMany(v => v));
        Assert.Equal(precision, RetrievalMetrics.PrecisionAtK([.. Enumerable.Range(2000, 300).Select(digits.Label)], model.Index.LabelsOf(direct.Indices), 6), 12);
        model.Dispose();
    }

    private sealed class Digit
    {
        [VectorType(MnistDigits.PixelsPerImage)] public float[] Pixels { get; set; } = [];
        public int Label { get; set; }
    }

    private static List<T[]> Read<T>(IDataView view, string column) => [.. view.GetColumn<T[]>(column)];

    /// <summary>The shape ML.NET's pipelines propagate for a schema; its factory is internal to ML.NET, as its own tests reach it.</summary>
    private static SchemaShape ShapeOf(DataViewSchema schema) =>
        (SchemaShape)typeof(SchemaShape).GetMethod("Create", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static, [typeof(DataViewSchema)])!
            .Invoke(null, [schema])!;
}
