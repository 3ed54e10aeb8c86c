using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;
using Microsoft.ML.Transforms.Image;

namespace MlNetConv.Estimators.Persistence;

/// <summary>
/// Saving inside ML.NET model zips. Nothing can be written through a <see cref="ModelSaveContext"/> from outside
/// ML.NET, so a transformer saves itself as an equivalent chain of ML.NET's own transformers that carries the model
/// and calls back into the engine:
/// <code>
/// key mapping          → __mlnetconv_key = "MlNetConv.ConvNet.v1" (the key of every lookup)
/// MapValue × (1 + n)   → __mlnetconv_model_0 = [header, settings], __mlnetconv_model_i = [piece i of the model file as Text15] (i = 1..n)
/// Concatenate          → __mlnetconv_model = [header, settings, pieces...]
/// MapValue × 2         → __mlnetconv_slots = [0..S-1] (S scores), __mlnetconv_positions = [0..P-1] (P pixels; 1 for a class)
/// CopyColumns          → __mlnetconv_features = the feature column (ExtractPixels for an image column)
/// scoring mapping      → __mlnetconv_score_text (S fixed-width probabilities), __mlnetconv_index (the class),
///                        __mlnetconv_argmax_text (the class of each of the P positions)
/// Expression           → Score = known-size vector of S floats parsed from the score text
/// classifier:   MapValue, ValueToKey   → PredictedLabel = key over the label's values
/// segmentation: Expression, ConvertType → PredictedMask = P UInt32 class indices (parsed from the fields' text)
/// featurizer:   nothing more (its Score is the feature column, the network's output as it is)
/// DropColumns          → the temporary columns
/// </code>
/// After <c>ml.Model.Load</c> the chain scores row by row with the engine; <see cref="LoadedModels.WithBatchedScoring"/>
/// turns it back into the batched transformer. The loaded columns carry no slot names or dimensions.
/// The model is split over many small lookups, built one at a time when saved (<see cref="DeferredLookup"/>), because
/// ML.NET copies a lookup several times while it saves or loads it. v1 zips (one lookup, base64 pieces) still load.
/// </summary>
internal static class ModelPersistence
{
    public static void Save(ConvNetTransformer transformer, ModelSaveContext ctx) =>
        ((ICanSaveModel)Surrogate(transformer)).Save(ctx);

    /// <summary>
    /// The saved form of a transformer as ML.NET transformers, fitted on an empty view. It is made to be saved: its part
    /// lookups (<see cref="DeferredLookup"/>) get their values only then, so it cannot transform data itself.
    /// </summary>
    /// <param name="partBytes">model-file bytes per lookup (see <see cref="ModelBlob.Encode"/>)</param>
    public static TransformerChain<ITransformer> Surrogate(ConvNetTransformer t, int partBytes = SavedFormat.PartBytes)
    {
        var ml = new MLContext(seed: 0);
        var settings = SavedSettings.Of(t);
        int partCount = ModelBlob.PartCount(t.Model.Bytes.Length, partBytes);
        var partColumns = Enumerable.Range(0, partCount).Select(SavedFormat.Part).ToArray();
        var indices = IndexLookup(ml, t);
        var key = indices.Schema[nameof(IndexRow.Key)];

        var chain = new EstimatorChain<ITransformer>().Append<ITransformer>(ml.Transforms.CustomMapping(new ModelKeyMapping().GetMapping(), SavedFormat.KeyContract));
        foreach (var column in partColumns) chain = chain.Append(PartLookup(ml, column, []));
        var scoring = chain
            .Append(ml.Transforms.Concatenate(SavedFormat.Model, partColumns))
            .Append(ml.Transforms.Conversion.MapValue(SavedFormat.Slots, indices, key, indices.Schema[nameof(IndexRow.Slots)], SavedFormat.Key))
            .Append(ml.Transforms.Conversion.MapValue(SavedFormat.Positions, indices, key, indices.Schema[nameof(IndexRow.Positions)], SavedFormat.Key))
            .Append(Features(ml, t))
            .Append(ml.Transforms.CustomMapping(new ScoringMapping().GetMapping(), SavedFormat.ScoringContract))
            .Append(ml.Transforms.Expression(settings.ScoreColumn, Parse("float", SavedFormat.ScoreWidth), SavedFormat.Slots, SavedFormat.ScoreText))
            .Append(t switch
            {
                ConvNetClassificationTransformer c => PredictedLabel(ml, c),
                ConvNetFeaturizerTransformer => new EstimatorChain<ITransformer>(),
                _ => ml.Transforms.Expression(SavedFormat.ArgMax, Parse("", SavedFormat.ArgMaxWidth), SavedFormat.Positions, SavedFormat.ArgMaxText)
                    .Append(ml.Transforms.Conversion.ConvertType(settings.PredictedColumn, SavedFormat.ArgMax, DataKind.UInt32)),
            })
            .Append(ml.Transforms.DropColumns([.. SavedFormat.TemporaryColumns, .. partColumns, .. t switch
            {
                ConvNetClassificationTransformer => [SavedFormat.Value],
                ConvNetFeaturizerTransformer => Array.Empty<string>(),
                _ => [SavedFormat.ArgMax],
            }]));

        var fitted = scoring.Fit(t.ImageInput ? Empty<ImageRow>(ml, t, new ImageDataViewType(t.Model.SampleShape[1], t.Model.SampleShape[2]))
            : Empty<VectorRow>(ml, t, new VectorDataViewType(NumberDataViewType.Single, t.Model.SampleShape.Size)));
        // The part lookups (elements 1..partCount) were fitted without values; each is built with its values only when saved.
        var transformers = fitted.ToArray();
        var keys = ml.Data.LoadFromEnumerable(Array.Empty<ModelKeyOutput>());
        foreach (int part in Enumerable.Range(0, partCount))
            transformers[1 + part] = new DeferredLookup(transformers[1 + part], () => PartLookup(ml, partColumns[part], ModelBlob.Encode(t, part, partBytes)).Fit(keys));
        return new TransformerChain<ITransformer>(transformers);
    }

    /// <summary>MapValue from the key column to <paramref name="output"/> = <paramref name="values"/>, through a lookup of one row.</summary>
    private static IEstimator<ITransformer> PartLookup(MLContext ml, string output, string[] values)
    {
        var lookup = ml.Data.LoadFromEnumerable([new PartRow { Key = SavedFormat.LookupKey, Values = values }]);
        return ml.Transforms.Conversion.MapValue(output, lookup, lookup.Schema[nameof(PartRow.Key)], lookup.Schema[nameof(PartRow.Values)], SavedFormat.Key);
    }

    /// <summary>The one-row lookup of the index vectors: Slots = [0..S-1] (S scores), Positions = [0..P-1] (P pixels; 1 for a class).</summary>
    private static IDataView IndexLookup(MLContext ml, ConvNetTransformer t)
    {
        int scores = t.Model.OutputShape.Size, positions = scores / t.Model.ClassCount;
        var schema = SchemaDefinition.Create(typeof(IndexRow));
        schema[nameof(IndexRow.Slots)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, scores);
        schema[nameof(IndexRow.Positions)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, positions);
        return ml.Data.LoadFromEnumerable([new IndexRow
        {
            Key = SavedFormat.LookupKey,
            Slots = [.. Enumerable.Range(0, scores).Select(i => (float)i)], Positions = [.. Enumerable.Range(0, positions).Select(i => (float)i)],
        }], schema);
    }

    /// <summary>An Expression that takes field i of a text of fixed-width fields (parsed by <paramref name="type"/>, or as text), for each slot i of a known-size index vector.</summary>
    private static string Parse(string type, int width) => $"(i, s) => {type}(mid(s, int(i) * {width}, int(i) * {width} + {width}))";

    /// <summary>The features as the scoring mapping's float vector: a copy, or for images ExtractPixels with the scale and channels the engine reads.</summary>
    private static IEstimator<ITransformer> Features(MLContext ml, ConvNetTransformer t) => t.ImagePreprocessing is { } image
        ? image.ExtractPixels(ml, SavedFormat.Features, t.FeatureColumnName)
        : ml.Transforms.CopyColumns(SavedFormat.Features, t.FeatureColumnName);

    /// <summary>An empty view with the classifier's feature column, to fit the saved chain on.</summary>
    private static IDataView Empty<TRow>(MLContext ml, ConvNetTransformer t, DataViewType featureType) where TRow : class
    {
        var schema = SchemaDefinition.Create(typeof(TRow));
        schema[0].ColumnName = t.FeatureColumnName;
        schema[0].ColumnType = featureType;
        return ml.Data.LoadFromEnumerable(Array.Empty<TRow>(), schema);
    }

    /// <summary>PredictedLabel: class index → the label's key value (whatever its type) → key over those values.</summary>
    private static IEstimator<ITransformer> PredictedLabel(MLContext ml, ConvNetClassificationTransformer t)
    {
        var keyValues = t.LabelAnnotations.Schema.GetColumnOrNull(ScoringColumns.KeyValues)?.Type as VectorDataViewType;
        var method = typeof(ModelPersistence).GetMethod(nameof(PredictedLabelOf), BindingFlags.NonPublic | BindingFlags.Static)!
            .MakeGenericMethod(keyValues?.ItemType.RawType ?? typeof(uint));
        return (IEstimator<ITransformer>)method.Invoke(null, [ml, t, keyValues is not null])!;
    }

    private static IEstimator<ITransformer> PredictedLabelOf<T>(MLContext ml, ConvNetClassificationTransformer t, bool hasKeyValues)
    {
        int k = t.Model.ClassCount;
        T[] values;
        if (hasKeyValues)
        {
            VBuffer<T> buffer = default;
            t.LabelAnnotations.GetValue(ScoringColumns.KeyValues, ref buffer);
            values = buffer.DenseValues().Take(k).ToArray();
        }
        else values = Enumerable.Range(1, k).Select(i => (T)(object)(uint)i).ToArray();
        var lookup = ml.Data.LoadFromEnumerable(values.Select((v, i) => new ValueRow<T> { Index = (uint)i, Value = v }));
        var keys = ml.Data.LoadFromEnumerable(values.Select(v => new KeyRow<T> { Value = v }));
        return ml.Transforms.Conversion.MapValue(SavedFormat.Value, lookup, lookup.Schema[nameof(ValueRow<T>.Index)], lookup.Schema[nameof(ValueRow<T>.Value)], SavedFormat.Index)
            .Append(ml.Transforms.Conversion.MapValueToKey(t.PredictedLabelColumnName, SavedFormat.Value, keyData: keys));
    }

    /// <summary>One lookup of the model column: part i of <see cref="ModelBlob.Encode"/>.</summary>
    private sealed class PartRow
    {
        public string Key { get; set; } = "";
        public string[] Values { get; set; } = [];
    }

    /// <summary>The index vectors that the Expressions rebuild the known-size Score and mask from.</summary>
    private sealed class IndexRow
    {
        public string Key { get; set; } = "";
        public float[] Slots { get; set; } = [];
        public float[] Positions { get; set; } = [];
    }

    private sealed class VectorRow
    {
        public float[] Features { get; set; } = [];
    }

    private sealed class ImageRow
    {
        [ImageType(1, 1)] // a placeholder: Empty sets the model's image size
        public MLImage? Features { get; set; }
    }

    private sealed class ValueRow<T>
    {
        public uint Index { get; set; }
        public T? Value { get; set; }
    }

    private sealed class KeyRow<T>
    {
        public T? Value { get; set; }
    }
}
