using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetConv.Transforms;

namespace MlNetConv.Estimators;

/// <summary>
/// A trained convolutional classifier in an ML.NET pipeline: adds Score (class probabilities, annotated as ML.NET's
/// multiclass trainers do) and PredictedLabel (a key over the training labels), so that Evaluate, PredictionEngine
/// and MapKeyToValue work.
/// </summary>
public sealed class ConvNetClassificationTransformer : ConvNetTransformer
{
    internal ConvNetClassificationTransformer(ConvNetModel model, string featureColumn, ImagePreprocessing? imagePreprocessing, string scoreColumn, string predictedLabelColumn,
        DataViewSchema.Annotations labelAnnotations, int batchSize = 256)
        : base(model, featureColumn, imagePreprocessing, batchSize)
    {
        if (model.OutputShape.Rank != 1)
            throw new ArgumentException($"A classifier's network must output (N, classes), this one outputs (N, {string.Join(", ", model.OutputShape)}).", nameof(model));
        ScoreColumnName = scoreColumn;
        PredictedLabelColumnName = predictedLabelColumn;
        LabelAnnotations = labelAnnotations;
        ClassNames = ScoringColumns.ClassNames(labelAnnotations, model.ClassCount);
    }

    public string ScoreColumnName { get; }
    public string PredictedLabelColumnName { get; }
    internal DataViewSchema.Annotations LabelAnnotations { get; }

    /// <summary>The label's values in key order: the Score column's slot names.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    private protected override void Save(ModelSaveContext ctx) => Persistence.ModelPersistence.Save(this, ctx);

    private protected override void AddOutputColumns(DataViewSchema.Builder builder)
    {
        int k = Model.ClassCount;
        var score = new DataViewSchema.Annotations.Builder();
        var names = ClassNames.Select(n => n.AsMemory()).ToArray();
        score.Add(ScoringColumns.SlotNames, new VectorDataViewType(TextDataViewType.Instance, k),
            (ref VBuffer<ReadOnlyMemory<char>> v) => v = new VBuffer<ReadOnlyMemory<char>>(k, names));
        score.Add(ScoringColumns.ScoreColumnKind, TextDataViewType.Instance, ScoringColumns.Text("MulticlassClassification"));
        score.Add(ScoringColumns.ScoreValueKind, TextDataViewType.Instance, ScoringColumns.Text("Score"));
        builder.AddColumn(ScoreColumnName, new VectorDataViewType(NumberDataViewType.Single, k), score.ToAnnotations());

        var predicted = new DataViewSchema.Annotations.Builder();
        predicted.Add(LabelAnnotations, name => name == ScoringColumns.KeyValues);
        predicted.Add(ScoringColumns.ScoreValueKind, TextDataViewType.Instance, ScoringColumns.Text("PredictedLabel"));
        builder.AddColumn(PredictedLabelColumnName, new KeyDataViewType(typeof(uint), k), predicted.ToAnnotations());
    }

    internal override ValueGetter<TValue> OutputGetter<TValue>(int output, ScoresSource scores) => output == 0
        ? ScoringColumns.VectorGetter<TValue>(scores)
        : (ValueGetter<TValue>)(Delegate)(ValueGetter<uint>)((ref uint v) => v = (uint)ScoringColumns.ArgMax(scores()) + 1);
}
