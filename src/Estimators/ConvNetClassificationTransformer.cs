using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetConv.Estimators;

/// <summary>
/// A trained convolutional classifier in an ML.NET pipeline: adds Score (class probabilities, annotated as ML.NET's
/// multiclass trainers do) and PredictedLabel (a key over the training labels). Transform scores rows in batches;
/// PredictionEngine scores row by row through <see cref="GetRowToRowMapper"/>.
/// </summary>
public sealed class ConvNetClassificationTransformer : ITransformer
{
    internal ConvNetClassificationTransformer(ConvNetModel model, string featureColumn, bool imageInput, string scoreColumn, string predictedLabelColumn,
        DataViewSchema.Annotations labelAnnotations, int batchSize = 256)
    {
        Model = model;
        FeatureColumnName = featureColumn;
        ImageInput = imageInput;
        ScoreColumnName = scoreColumn;
        PredictedLabelColumnName = predictedLabelColumn;
        LabelAnnotations = labelAnnotations;
        ClassNames = ScoringColumns.ClassNames(labelAnnotations, model.ClassCount);
        BatchSize = batchSize;
    }

    public ConvNetModel Model { get; }
    public string FeatureColumnName { get; }

    /// <summary>Whether the feature column holds images (MLImage) rather than float vectors.</summary>
    public bool ImageInput { get; }

    /// <summary>A text column whose value (an image path) errors about unreadable images quote, if the input has it.</summary>
    public string? ImagePathColumnName { get; init; } = ConvNetClassificationOptions.Defaults.ImagePath;
    public string ScoreColumnName { get; }
    public string PredictedLabelColumnName { get; }
    internal DataViewSchema.Annotations LabelAnnotations { get; }

    /// <summary>The label's values in key order: the Score column's slot names.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Rows per forward pass in <see cref="Transform"/>.</summary>
    public int BatchSize { get; }

    public bool IsRowToRowMapper => true;

    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        CheckInput(inputSchema);
        return ScoringColumns.Schema(inputSchema, this);
    }

    public IDataView Transform(IDataView input)
    {
        CheckInput(input.Schema);
        return new ScoringDataView(input, this);
    }

    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
    {
        CheckInput(inputSchema);
        return new ScoringRowMapper(inputSchema, this);
    }

    void ICanSaveModel.Save(ModelSaveContext ctx) => Persistence.ModelPersistence.Save(this, ctx);

    internal FeatureColumn CheckInput(DataViewSchema schema) => FeatureColumn.ForModel(schema, FeatureColumnName, Model.SampleShape, ImageInput);
}
