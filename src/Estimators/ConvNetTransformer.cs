using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetConv.Transforms;

namespace MlNetConv.Estimators;

/// <summary>The probabilities of the row being read: one sample's <see cref="ConvNetModel.OutputShape"/> values.</summary>
internal delegate ReadOnlySpan<float> ScoresSource();

/// <summary>
/// A trained network in an ML.NET pipeline: what the classification and segmentation transformers share. Transform
/// scores rows in batches of <see cref="BatchSize"/>; PredictionEngine scores row by row through
/// <see cref="GetRowToRowMapper"/>. Subclasses say which columns the probabilities become.
/// </summary>
public abstract class ConvNetTransformer : ITransformer
{
    private protected ConvNetTransformer(ConvNetModel model, string featureColumn, ImagePreprocessing? imagePreprocessing, int batchSize)
    {
        if (imagePreprocessing is not null && imagePreprocessing.SampleShape != model.SampleShape)
            throw new ArgumentException($"Images read as {imagePreprocessing.SampleShape} do not fit the network's input {model.SampleShape}.", nameof(imagePreprocessing));
        Model = model;
        FeatureColumnName = featureColumn;
        ImagePreprocessing = imagePreprocessing;
        BatchSize = batchSize;
    }

    public ConvNetModel Model { get; }
    public string FeatureColumnName { get; }

    /// <summary>Whether the feature column holds images (MLImage) rather than float vectors.</summary>
    public bool ImageInput => ImagePreprocessing is not null;

    /// <summary>How the images of the feature column become samples (null for a float-vector column); its normalisation is the model's.</summary>
    public ImagePreprocessing? ImagePreprocessing { get; }

    /// <summary>A text column whose value (an image path) errors about unreadable images quote, if the input has it.</summary>
    public string? ImagePathColumnName { get; init; } = ConvNetClassificationOptions.Defaults.ImagePath;

    /// <summary>Rows per forward pass in <see cref="Transform"/>.</summary>
    public int BatchSize { get; }

    public bool IsRowToRowMapper => true;

    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        CheckInput(inputSchema);
        return OutputSchema(inputSchema);
    }

    public IDataView Transform(IDataView input) => new BatchedDataView<float[]>(input, new ConvNetScoring(this, input.Schema));

    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => new BatchedRowMapper<float[]>(inputSchema, new ConvNetScoring(this, inputSchema));

    void ICanSaveModel.Save(ModelSaveContext ctx) => Save(ctx);

    private protected abstract void Save(ModelSaveContext ctx);

    internal FeatureColumn CheckInput(DataViewSchema schema) => FeatureColumn.ForModel(schema, FeatureColumnName, Model.SampleShape, ImagePreprocessing);

    /// <summary>The input columns, then the columns this transformer adds.</summary>
    internal DataViewSchema OutputSchema(DataViewSchema input)
    {
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(input);
        AddOutputColumns(builder);
        return builder.ToSchema();
    }

    private protected abstract void AddOutputColumns(DataViewSchema.Builder builder);

    /// <summary>The getter of added column <paramref name="output"/> (0 = the first added), from the row's probabilities.</summary>
    internal abstract ValueGetter<TValue> OutputGetter<TValue>(int output, ScoresSource scores);
}
