using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetConv.Transforms;

namespace MlNetConv.Estimators;

/// <summary>
/// A network's output for each row as a feature vector: adds one known-size Single vector column (the network cut at its
/// feature node, flattened), scored <c>BatchSize</c> rows per forward pass. It saves in ML.NET zips as the classifier
/// does and lives beside it (it shares its batched scoring and saved format); <c>ml.Transforms.ConvNetFeaturize</c> makes it.
/// </summary>
public sealed class ConvNetFeaturizerTransformer : ConvNetTransformer
{
    internal ConvNetFeaturizerTransformer(ConvNetModel model, string featureColumn, ImagePreprocessing? imagePreprocessing, string outputColumn, int batchSize)
        : base(model, featureColumn, imagePreprocessing, batchSize)
    {
        if (model.Probabilities) throw new ArgumentException("A featurizer gives the network's output, not probabilities.", nameof(model));
        OutputColumnName = outputColumn;
    }

    /// <summary>The column of feature vectors.</summary>
    public string OutputColumnName { get; }

    /// <summary>The length of each feature vector.</summary>
    public int FeatureCount => Model.OutputShape.Size;

    private protected override void Save(ModelSaveContext ctx) => Persistence.ModelPersistence.Save(this, ctx);

    private protected override void AddOutputColumns(DataViewSchema.Builder builder) =>
        builder.AddColumn(OutputColumnName, new VectorDataViewType(NumberDataViewType.Single, FeatureCount));

    internal override ValueGetter<TValue> OutputGetter<TValue>(int output, ScoresSource scores) => ScoringColumns.VectorGetter<TValue>(scores);
}
