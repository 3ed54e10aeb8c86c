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
    /// The same model with every saved ConvNet transformer (classifier or segmenter) replaced by the engine's
    /// batched one, which scores <c>BatchSize</c> rows per forward pass (a loaded chain scores row by row) and restores
    /// the columns' slot names and dimensions. Other transformers are kept as they are.
    /// </summary>
    /// <param name="backend">where the restored transformers score; the CPU when null</param>
    /// <param name="batchSize">rows per forward pass of the restored transformers; null keeps the saved one</param>
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

    /// <summary>
    /// <c>ml.Model.Load</c> of a zip holding a ConvNet, restored at once as the batched transformers
    /// (<see cref="WithBatchedScoring"/>), so a damaged model fails here and not at its first score. Whatever a damaged or
    /// foreign zip makes ML.NET or the engine throw (a corrupt zip header, a deflate error, "Error during class
    /// instantiation", a checksum mismatch) becomes one <see cref="InvalidDataException"/> naming the file.
    /// </summary>
    /// <param name="backend">where the restored transformers score; the CPU when null</param>
    /// <param name="batchSize">rows per forward pass of the restored transformers; null keeps the saved one</param>
    /// <exception cref="FileNotFoundException">there is no file at <paramref name="path"/></exception>
    /// <exception cref="InvalidDataException">the file is corrupt, not an ML.NET model, or holds no ConvNet</exception>
    public static ITransformer LoadConvNet(this ModelOperationsCatalog catalog, string path, out DataViewSchema inputSchema,
        IBackend? backend = null, int? batchSize = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        if (!File.Exists(path)) throw new FileNotFoundException($"Model file '{path}' does not exist.", path);
        using var stream = File.OpenRead(path);
        return LoadConvNet(catalog, stream, $"Model file '{path}'", out inputSchema, backend, batchSize);
    }

    /// <summary><see cref="LoadConvNet(ModelOperationsCatalog, string, out DataViewSchema, IBackend?, int?)"/> from a stream; errors name <paramref name="source"/>.</summary>
    public static ITransformer LoadConvNet(this ModelOperationsCatalog catalog, Stream stream, string source, out DataViewSchema inputSchema,
        IBackend? backend = null, int? batchSize = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(stream);
        if (batchSize is <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "The batch size must be positive.");
        ITransformer batched;
        try
        {
            if (!stream.CanSeek)
            {
                var copy = new MemoryStream();
                stream.CopyTo(copy);
                copy.Position = 0;
                stream = copy;
            }
            ModelZipCheck.Verify(stream, source);
            batched = catalog.Load(stream, out inputSchema).WithBatchedScoring(backend, batchSize);
        }
        catch (InvalidDataException e) when (e.Message.StartsWith(source, StringComparison.Ordinal))
        {
            throw;
        }
        catch (Exception e) when (e is not (OutOfMemoryException or OperationCanceledException))
        {
            // ML.NET wraps errors in TargetInvocationException and "Error during class instantiation": the innermost one says what broke.
            var cause = e;
            while (cause.InnerException is not null) cause = cause.InnerException;
            throw new InvalidDataException($"{source} is corrupt or not an MlNetConv model: {cause.Message.TrimEnd('.')}.", e);
        }
        if (Find(batched, _ => true) is null) throw new InvalidDataException($"{source} holds no ConvNet transformer.");
        return batched;
    }

    /// <summary>The first ConvNet classifier in a trained or loaded model, as the batched transformer.</summary>
    /// <exception cref="ArgumentException">the model holds no ConvNet classifier</exception>
    public static ConvNetClassificationTransformer FindConvNet(this ITransformer model) => model.FindConvNet<ConvNetClassificationTransformer>();

    /// <summary>The first ConvNet transformer of type <typeparamref name="T"/> in a trained or loaded model, as the batched transformer.</summary>
    /// <exception cref="ArgumentException">the model holds none</exception>
    public static T FindConvNet<T>(this ITransformer model) where T : ConvNetTransformer =>
        Find(model, t => t is T) as T ?? throw new ArgumentException($"The model holds no {typeof(T).Name}.", nameof(model));

    private static ConvNetTransformer? Find(ITransformer transformer, Func<ConvNetTransformer, bool> wanted) => transformer switch
    {
        ConvNetTransformer convNet when wanted(convNet) => convNet,
        IEnumerable<ITransformer> chain => Restore(chain, null, null) is { } restored && wanted(restored) ? restored
            : chain.Select(t => Find(t, wanted)).FirstOrDefault(found => found is not null),
        _ => null,
    };

    /// <summary>Rebuilds the transformer from the saved chain of <see cref="ModelPersistence.Surrogate"/>, or null for any other chain.</summary>
    private static ConvNetTransformer? Restore(IEnumerable<ITransformer> chain, IBackend? backend, int? batchSize)
    {
        var parts = chain.ToArray();
        if (parts.Length < 2 || parts[0] is not CustomMappingTransformer<ModelKeyInput, ModelKeyOutput>) return null;

        // The lookups (one in v1, then a Concatenate in v2) need only the key: run them on one row up to the model column.
        var ml = new MLContext(seed: 0);
        var row = parts[0].Transform(ml.Data.LoadFromEnumerable([new OneRow()]));
        for (int i = 1; i < parts.Length && row.Schema.GetColumnOrNull(SavedFormat.Model) is null; i++) row = parts[i].Transform(row);
        var column = row.Schema.GetColumnOrNull(SavedFormat.Model)
            ?? throw new InvalidDataException($"ConvNet model in the ML.NET zip: the saved chain lacks column '{SavedFormat.Model}'.");
        VBuffer<ReadOnlyMemory<char>> values = default;
        using (var cursor = row.GetRowCursor([column]))
        {
            if (!cursor.MoveNext()) throw new InvalidDataException("ConvNet model in the ML.NET zip: the model lookup is empty.");
            cursor.GetGetter<VBuffer<ReadOnlyMemory<char>>>(column)(ref values);
        }
        var (model, settings) = ModelBlob.Decode(values, backend);

        if (settings.Task == SavedSettings.Featurization)
            return new ConvNetFeaturizerTransformer(model, settings.FeatureColumn, settings.ImagePreprocessing(model), settings.ScoreColumn,
                batchSize ?? settings.BatchSize) { ImagePathColumnName = settings.ImagePathColumn };
        if (settings.Task == SavedSettings.Segmentation)
            return new ConvNetSegmentationTransformer(model, settings.FeatureColumn, settings.ImagePreprocessing(model), settings.ScoreColumn, settings.PredictedColumn,
                settings.ClassNames, batchSize ?? settings.BatchSize) { ImagePathColumnName = settings.ImagePathColumn };
        var input = new DataViewSchema.Builder();
        input.AddColumn(settings.FeatureColumn, settings.ImageInput
            ? new ImageDataViewType(model.SampleShape[1], model.SampleShape[2])
            : new VectorDataViewType(NumberDataViewType.Single, model.SampleShape.Size));
        var labelAnnotations = new TransformerChain<ITransformer>(parts).GetOutputSchema(input.ToSchema())[settings.PredictedColumn].Annotations;
        return new ConvNetClassificationTransformer(model, settings.FeatureColumn, settings.ImagePreprocessing(model), settings.ScoreColumn, settings.PredictedColumn,
            labelAnnotations, batchSize ?? settings.BatchSize) { ImagePathColumnName = settings.ImagePathColumn };
    }

    /// <summary>A row to look the model up with: the key mapping needs no input, but a view needs a column.</summary>
    private sealed class OneRow
    {
        public float Unused { get; set; }
    }
}
