using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;
using Microsoft.ML.Transforms.Image;
using MlNetConv.Backends;

namespace MlNetConv.Estimators.Persistence;

/// <summary>Turning a model read by <c>ml.Model.Load</c> back into the engine's batched transformers.</summary>
public static class LoadedModels
{
    /// <summary>
    /// The same model with every saved ConvNet classifier replaced by a <see cref="ConvNetClassificationTransformer"/>,
    /// which scores <c>BatchSize</c> rows per forward pass (a loaded chain scores row by row) and restores the Score
    /// column's slot names. Other transformers are kept as they are.
    /// </summary>
    /// <param name="backend">where the restored classifiers score; the CPU when null</param>
    /// <param name="batchSize">rows per forward pass of the restored classifiers; null keeps the saved one</param>
    public static ITransformer WithBatchedScoring(this ITransformer loaded, IBackend? backend = null, int? batchSize = null)
    {
        if (batchSize is <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "The batch size must be positive.");
        return loaded switch
        {
            IEnumerable<ITransformer> chain when Restore(chain, backend, batchSize) is { } classifier => classifier,
            IEnumerable<ITransformer> chain => new TransformerChain<ITransformer>([.. chain.Select(t => t.WithBatchedScoring(backend, batchSize))]),
            _ => loaded,
        };
    }

    /// <summary>The first ConvNet classifier in a trained or loaded model, as the batched transformer.</summary>
    /// <exception cref="ArgumentException">the model holds no ConvNet classifier</exception>
    public static ConvNetClassificationTransformer FindConvNet(this ITransformer model) =>
        Find(model) ?? throw new ArgumentException("The model holds no ConvNet classifier.", nameof(model));

    private static ConvNetClassificationTransformer? Find(ITransformer transformer) => transformer switch
    {
        ConvNetClassificationTransformer classifier => classifier,
        IEnumerable<ITransformer> chain => Restore(chain, null, null) ?? chain.Select(Find).FirstOrDefault(found => found is not null),
        _ => null,
    };

    /// <summary>Rebuilds the classifier from the saved chain of <see cref="ModelPersistence.Surrogate"/>, or null for any other chain.</summary>
    private static ConvNetClassificationTransformer? Restore(IEnumerable<ITransformer> chain, IBackend? backend, int? batchSize)
    {
        var parts = chain.ToArray();
        if (parts.Length < 2 || parts[0] is not CustomMappingTransformer<ModelKeyInput, ModelKeyOutput>) return null;

        var ml = new MLContext(seed: 0);
        var row = parts[1].Transform(parts[0].Transform(ml.Data.LoadFromEnumerable([new OneRow()])));
        var column = row.Schema.GetColumnOrNull(SavedFormat.Model)
            ?? throw new InvalidDataException($"ConvNet model in the ML.NET zip: the saved chain lacks column '{SavedFormat.Model}'.");
        VBuffer<ReadOnlyMemory<char>> values = default;
        using (var cursor = row.GetRowCursor([column]))
        {
            if (!cursor.MoveNext()) throw new InvalidDataException("ConvNet model in the ML.NET zip: the model lookup is empty.");
            cursor.GetGetter<VBuffer<ReadOnlyMemory<char>>>(column)(ref values);
        }
        var (model, settings) = ModelBlob.Decode(values, backend);

        var input = new DataViewSchema.Builder();
        input.AddColumn(settings.FeatureColumn, settings.ImageInput
            ? new ImageDataViewType(model.SampleShape[1], model.SampleShape[2])
            : new VectorDataViewType(NumberDataViewType.Single, model.SampleShape.Size));
        var labelAnnotations = new TransformerChain<ITransformer>(parts).GetOutputSchema(input.ToSchema())[settings.PredictedLabelColumn].Annotations;
        return new ConvNetClassificationTransformer(model, settings.FeatureColumn, settings.ImageInput, settings.ScoreColumn, settings.PredictedLabelColumn,
            labelAnnotations, batchSize ?? settings.BatchSize) { ImagePathColumnName = settings.ImagePathColumn };
    }

    /// <summary>A row to look the model up with: the key mapping needs no input, but a view needs a column.</summary>
    private sealed class OneRow
    {
        public float Unused { get; set; }
    }
}
