using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetConv.Neighbours;

namespace MlNetConv.Transforms;

/// <summary>
/// Adds to each row its K nearest reference rows by the Euclidean distance of their feature vectors: their row
/// indices (Int32), their distances (Single) and, when the reference had a label column, their labels (of the
/// label's type; keys keep their values), each a known-size vector, nearest first. Transform searches
/// <see cref="BatchSize"/> rows at a time through <see cref="Index"/>; PredictionEngine one row at a time.
/// Cannot be saved into an ML.NET model zip yet: the reference vectors would have to travel in it.
/// </summary>
public sealed class NearestNeighboursTransformer : ITransformer, IDisposable
{
    /// <summary>The annotation of a key column that holds its values (ML.NET's name).</summary>
    private const string KeyValues = "KeyValues";

    private readonly NearestNeighboursOptions _options;
    private readonly ReferenceLabels? _labels;

    internal NearestNeighboursTransformer(NearestNeighbourIndex index, ReferenceLabels? labels, NearestNeighboursOptions options)
    {
        Index = index;
        _labels = labels;
        _options = options;
    }

    /// <summary>The searched vectors (the reference's rows, in order) and their labels' codes; for searches of your own.</summary>
    public NearestNeighbourIndex Index { get; }

    public int K => _options.K;
    public string FeatureColumnName => _options.FeatureColumnName;
    public string NeighboursColumnName => _options.NeighboursColumnName;
    public string DistancesColumnName => _options.DistancesColumnName;

    /// <summary>The column of the neighbours' labels, or null when the reference had no label column.</summary>
    public string? NeighbourLabelsColumnName => _labels is null ? null : _options.NeighbourLabelsColumnName;

    /// <summary>The reference's label column, or null.</summary>
    public string? LabelColumnName => _labels?.Column.Name;

    public bool LeaveOneOut => _options.LeaveOneOut;
    public int BatchSize => _options.BatchSize;

    public bool IsRowToRowMapper => true;

    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        CheckInput(inputSchema);
        return OutputSchema(inputSchema);
    }

    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new BatchedDataView<NeighbourSearch.Results>(input, new NeighbourSearch(this, input.Schema));
    }

    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) =>
        new BatchedRowMapper<NeighbourSearch.Results>(inputSchema, new NeighbourSearch(this, inputSchema));

    void ICanSaveModel.Save(ModelSaveContext ctx) => throw new NotSupportedException(
        "NearestNeighbours cannot be saved into an ML.NET model zip yet (the reference vectors would have to be stored in it): "
        + "save the pipeline before this transform and fit NearestNeighbours again after loading it.");

    /// <summary>
    /// Precision at K of <paramref name="transformed"/> (this transformer's output): per row the fraction of its K
    /// neighbours whose label equals the row's own, averaged over the rows. The rows' labels are read from
    /// <paramref name="labelColumnName"/> (by default the reference's label column name), of the reference label's type.
    /// Reads the view once, which searches its rows again.
    /// </summary>
    public double PrecisionAtK(IDataView transformed, string? labelColumnName = null)
    {
        ArgumentNullException.ThrowIfNull(transformed);
        if (_labels is null) throw new InvalidOperationException("NearestNeighbours: precision at K needs labels; set LabelColumnName to the reference's label column.");
        string name = labelColumnName ?? _labels.Column.Name;
        var label = FeatureVectors.Find(transformed.Schema, name, "label");
        if (!label.Type.Equals(_labels.Column.Type))
            throw new ArgumentOutOfRangeException(nameof(labelColumnName), $"NearestNeighbours: label column '{name}' is {label.Type}, but the reference's labels are {_labels.Column.Type}.");
        var neighbourLabels = FeatureVectors.Find(transformed.Schema, _options.NeighbourLabelsColumnName, "neighbour label");
        var (labels, neighbours) = _labels.CodesOf(transformed, label, neighbourLabels, K);
        return RetrievalMetrics.PrecisionAtK(labels, neighbours, K);
    }

    /// <summary>Releases the index (its vectors on the device); the transformer cannot search afterwards.</summary>
    public void Dispose() => Index.Dispose();

    /// <summary>The input's feature column, checked against the index's dimension.</summary>
    internal DataViewSchema.Column CheckInput(DataViewSchema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        int d = FeatureVectors.Dimension(schema, FeatureColumnName, "feature");
        if (d != Index.Dimension)
            throw new ArgumentOutOfRangeException(nameof(schema), $"NearestNeighbours: feature column '{FeatureColumnName}' holds {d} values, but the reference vectors hold {Index.Dimension}.");
        return schema[FeatureColumnName];
    }

    /// <summary>The input columns, then the columns this transformer adds.</summary>
    internal DataViewSchema OutputSchema(DataViewSchema input)
    {
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(input);
        builder.AddColumn(NeighboursColumnName, new VectorDataViewType(NumberDataViewType.Int32, K));
        builder.AddColumn(DistancesColumnName, new VectorDataViewType(NumberDataViewType.Single, K));
        if (_labels is not null)
        {
            var annotations = new DataViewSchema.Annotations.Builder();
            annotations.Add(_labels.Column.Annotations, name => name == KeyValues);
            builder.AddColumn(_options.NeighbourLabelsColumnName, new VectorDataViewType((PrimitiveDataViewType)_labels.Column.Type, K), annotations.ToAnnotations());
        }
        return builder.ToSchema();
    }

    /// <summary>The getter of added column <paramref name="output"/> (0 = the first added) from the row's neighbours.</summary>
    internal ValueGetter<TValue> OutputGetter<TValue>(int output, Func<ReadOnlySpan<int>> indices, Func<ReadOnlySpan<float>> distances) => output switch
    {
        0 => VectorGetters.Of<int, TValue>(() => indices()),
        1 => VectorGetters.Of<float, TValue>(() => distances()),
        _ => _labels!.Getter<TValue>(indices),
    };

    /// <summary>
    /// Searches a batch of rows: <paramref name="positions"/> are their row numbers in the input (the reference row left
    /// out of each when <see cref="LeaveOneOut"/>; -1 for a row outside any data view), and errors name them.
    /// </summary>
    /// <param name="queries">(b, d)</param>
    /// <param name="positions">(b)</param>
    /// <param name="indices">(b, K)</param>
    /// <param name="distances">(b, K)</param>
    internal void Search(ReadOnlySpan<float> queries, ReadOnlySpan<long> positions, Span<int> indices, Span<float> distances)
    {
        Span<int> excluded = LeaveOneOut ? new int[positions.Length] : default;
        for (int i = 0; i < excluded.Length; i++)
            excluded[i] = positions[i] < 0 ? -1 // a row of no data view (PredictionEngine's): nothing to leave out
                : positions[i] < Index.Count ? (int)positions[i]
                : throw new InvalidOperationException($"NearestNeighbours: row {positions[i]} has no reference row to leave out (the reference has {Index.Count}): "
                    + "LeaveOneOut is for transforming the rows the neighbours are searched in.");
        try
        {
            Index.Search(queries, K, indices, distances, excluded);
        }
        catch (ArgumentException e)
        {
            throw new InvalidOperationException($"NearestNeighbours: feature column '{FeatureColumnName}', rows {positions[0]} to {positions[^1]}: {e.Message} (query i is the i-th of these rows)", e);
        }
    }
}
