using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetConv.Backends;
using MlNetConv.Neighbours;

namespace MlNetConv.Transforms;

/// <summary>
/// Fit reads the reference rows' feature vectors (and labels) into a <see cref="NearestNeighbourIndex"/>; the
/// transformer adds each row's K nearest reference rows. The reference is <see cref="NearestNeighboursOptions.Reference"/>,
/// or the data given to Fit.
/// </summary>
public sealed class NearestNeighboursEstimator : IEstimator<NearestNeighboursTransformer>
{
    private readonly MLContext _ml;
    private readonly NearestNeighboursOptions _options;

    public NearestNeighboursEstimator(MLContext ml, NearestNeighboursOptions options)
    {
        _ml = ml ?? throw new ArgumentNullException(nameof(ml));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _options.Validate();
    }

    public NearestNeighboursTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var o = _options;
        var reference = o.Reference ?? input;
        int d = FeatureVectors.Dimension(reference.Schema, o.ReferenceFeatures, "reference feature");
        int inputD = FeatureVectors.Dimension(input.Schema, o.FeatureColumnName, "feature");
        if (inputD != d)
            throw new ArgumentOutOfRangeException(nameof(input), $"NearestNeighbours: feature column '{o.FeatureColumnName}' holds {inputD} values, but the reference's '{o.ReferenceFeatures}' holds {d}.");
        var labels = o.LabelColumnName is null ? null : ReferenceLabels.For(FeatureVectors.Find(reference.Schema, o.LabelColumnName, "label"));

        var (vectors, rows) = Read(reference, reference.Schema[o.ReferenceFeatures], d, labels);
        int available = o.LeaveOneOut ? rows - 1 : rows;
        if (o.K > available)
            throw new ArgumentOutOfRangeException(nameof(input), $"NearestNeighbours: K = {o.K}, but the reference has {rows} row{(rows == 1 ? "" : "s")}{(o.LeaveOneOut ? ", one of which each row leaves out" : "")}.");
        var (backend, _) = Devices.Create(o.Device ?? (_ml.GpuDeviceId is { } gpu ? Device.Gpu(gpu) : Device.Cpu), _ml.FallbackToCpu);
        var index = new NearestNeighbourIndex(backend, vectors, d, labels?.Codes ?? default, o.Index);
        return new NearestNeighboursTransformer(index, labels, o);
    }

    /// <summary>
    /// The input's columns and the added ones. ML.NET's schema shapes cannot be made from outside it, so they are borrowed
    /// from its own estimators' answers on the same input: vectors of Int32, of Single and of the label's type.
    /// </summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var o = _options;
        FeatureVectors.Check(inputSchema, o.FeatureColumnName, "feature");
        if (o.Reference is not null) FeatureVectors.Dimension(o.Reference.Schema, o.ReferenceFeatures, "reference feature");
        else if (o.ReferenceFeatures != o.FeatureColumnName) FeatureVectors.Check(inputSchema, o.ReferenceFeatures, "reference feature");

        const string text = "__mlnetconv_neighbour_text";
        var conversion = _ml.Transforms.Conversion;
        IEstimator<ITransformer> shape = conversion.ConvertType(text, o.FeatureColumnName, DataKind.String)
            .Append(conversion.ConvertType(o.NeighboursColumnName, text, DataKind.Int32))
            .Append(_ml.Transforms.Concatenate(o.DistancesColumnName, o.FeatureColumnName));
        if (o.LabelColumnName is { } label)
        {
            var type = LabelType(inputSchema, label);
            shape = shape.Append(type is KeyDataViewType
                ? (IEstimator<ITransformer>)conversion.MapValueToKey(o.NeighbourLabelsColumnName, o.FeatureColumnName)
                : conversion.ConvertType(o.NeighbourLabelsColumnName, text, KindOf(type)));
        }
        return shape.Append(_ml.Transforms.DropColumns(text)).GetOutputSchema(inputSchema);
    }

    /// <summary>The reference label's type: from the reference's schema, or from the input's shape when the input is the reference.</summary>
    private DataViewType LabelType(SchemaShape inputSchema, string label)
    {
        if (_options.Reference is { } reference)
        {
            var column = FeatureVectors.Find(reference.Schema, label, "label");
            ReferenceLabels.For(column);
            return column.Type;
        }
        var shape = inputSchema.FirstOrDefault(c => c.Name == label);
        if (shape.Name is null)
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"NearestNeighbours: label column '{label}' not found; the schema has: {string.Join(", ", inputSchema.Select(c => c.Name))}.");
        if (shape.Kind != SchemaShape.Column.VectorKind.Scalar || !ReferenceLabels.IsSupported(shape.ItemType) && !shape.IsKey)
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"NearestNeighbours: label column '{label}' must hold one key, number, boolean or text per row, got a {shape.Kind} of {shape.ItemType}.");
        return shape.IsKey ? new KeyDataViewType(typeof(uint), 1) : shape.ItemType;
    }

    private static DataKind KindOf(DataViewType type) => type.RawType switch
    {
        var t when t == typeof(float) => DataKind.Single,
        var t when t == typeof(double) => DataKind.Double,
        var t when t == typeof(sbyte) => DataKind.SByte,
        var t when t == typeof(byte) => DataKind.Byte,
        var t when t == typeof(short) => DataKind.Int16,
        var t when t == typeof(ushort) => DataKind.UInt16,
        var t when t == typeof(int) => DataKind.Int32,
        var t when t == typeof(uint) => DataKind.UInt32,
        var t when t == typeof(long) => DataKind.Int64,
        var t when t == typeof(ulong) => DataKind.UInt64,
        var t when t == typeof(bool) => DataKind.Boolean,
        _ => DataKind.String,
    };

    /// <summary>Every reference row's vector (n, d) and label, in row order, in one pass.</summary>
    private static (float[] Vectors, int Rows) Read(IDataView reference, DataViewSchema.Column features, int d, ReferenceLabels? labels)
    {
        var columns = labels is null ? new[] { features } : [features, labels.Column];
        using var cursor = reference.GetRowCursor(columns);
        var read = FeatureVectors.Reader(cursor, features, "reference feature");
        var readLabel = labels?.Reader(cursor);
        var vectors = new float[Math.Max(1, (int)Math.Min(reference.GetRowCount() ?? 1024, int.MaxValue / Math.Max(1, d))) * d];
        int rows = 0;
        while (cursor.MoveNext())
        {
            if ((long)(rows + 1) * d > vectors.Length)
            {
                if ((long)vectors.Length * 2 > Array.MaxLength)
                    throw new InvalidOperationException($"NearestNeighbours: the reference has more than {rows} rows of {d} values, more than one array holds.");
                Array.Resize(ref vectors, vectors.Length * 2);
            }
            read(vectors.AsSpan(rows * d, d));
            readLabel?.Invoke();
            rows++;
        }
        if (rows == 0) throw new ArgumentException($"NearestNeighbours: the reference has no rows to search.", nameof(reference));
        return (rows * d == vectors.Length ? vectors : vectors[..(rows * d)], rows);
    }
}
