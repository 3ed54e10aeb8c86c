using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;
using Microsoft.ML.Transforms.Image;

namespace MlNetConv.Estimators.Persistence;

/// <summary>
/// Saving inside ML.NET model zips. Nothing can be written through a <see cref="ModelSaveContext"/> from outside
/// ML.NET, so a classifier saves itself as an equivalent chain of ML.NET's own transformers that carries the model
/// and calls back into the engine:
/// <code>
/// key mapping          → __mlnetconv_key = "MlNetConv.ConvNetClassifier.v1"
/// MapValue (lookup)    → __mlnetconv_model = [header, settings, base64 chunks...], __mlnetconv_slots = [0..K-1]
/// CopyColumns          → __mlnetconv_features = the feature column (ExtractPixels for an image column)
/// scoring mapping      → __mlnetconv_score_text (K fixed-width probabilities), __mlnetconv_index (argmax)
/// Expression           → Score = known-size vector of K floats parsed from the score text
/// MapValue, ValueToKey → PredictedLabel = key over the label's values
/// DropColumns          → the temporary columns
/// </code>
/// After <c>ml.Model.Load</c> the chain scores row by row with the engine; <see cref="LoadedModels.WithBatchedScoring"/>
/// turns it back into the batched transformer. The loaded Score column has no slot-name annotations.
/// </summary>
internal static class ModelPersistence
{
    public static void Save(ConvNetClassificationTransformer transformer, ModelSaveContext ctx) =>
        ((ICanSaveModel)Surrogate(transformer)).Save(ctx);

    /// <summary>The saved form of a classifier as ML.NET transformers, fitted on an empty view.</summary>
    public static TransformerChain<ITransformer> Surrogate(ConvNetClassificationTransformer t)
    {
        var ml = new MLContext(seed: 0);
        int k = t.Model.ClassCount, w = SavedFormat.ScoreWidth;
        var lookupSchema = SchemaDefinition.Create(typeof(LookupRow));
        lookupSchema[nameof(LookupRow.Slots)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, k);
        var lookup = ml.Data.LoadFromEnumerable(
            [new LookupRow { Key = SavedFormat.Version, Model = ModelBlob.Encode(t), Slots = [.. Enumerable.Range(0, k).Select(i => (float)i)] }], lookupSchema);

        var chain = ml.Transforms.CustomMapping(new ModelKeyMapping().GetMapping(), SavedFormat.KeyContract)
            .Append(ml.Transforms.Conversion.MapValue(SavedFormat.Model, lookup, lookup.Schema[nameof(LookupRow.Key)], lookup.Schema[nameof(LookupRow.Model)], SavedFormat.Key))
            .Append(ml.Transforms.Conversion.MapValue(SavedFormat.Slots, lookup, lookup.Schema[nameof(LookupRow.Key)], lookup.Schema[nameof(LookupRow.Slots)], SavedFormat.Key))
            .Append(Features(ml, t))
            .Append(ml.Transforms.CustomMapping(new ScoringMapping().GetMapping(), SavedFormat.ScoringContract))
            .Append(ml.Transforms.Expression(t.ScoreColumnName, $"(i, s) => float(mid(s, int(i) * {w}, int(i) * {w} + {w}))", SavedFormat.Slots, SavedFormat.ScoreText))
            .Append(PredictedLabel(ml, t))
            .Append(ml.Transforms.DropColumns(SavedFormat.TemporaryColumns));

        var fitted = chain.Fit(t.ImageInput ? Empty<ImageRow>(ml, t, new ImageDataViewType(t.Model.SampleShape[1], t.Model.SampleShape[2]))
            : Empty<VectorRow>(ml, t, new VectorDataViewType(NumberDataViewType.Single, t.Model.SampleShape.Size)));
        return new TransformerChain<ITransformer>([.. fitted]);
    }

    /// <summary>The features as the scoring mapping's float vector: a copy, or for images ExtractPixels with the scale and channels the engine reads.</summary>
    private static IEstimator<ITransformer> Features(MLContext ml, ConvNetClassificationTransformer t) => t.ImageInput
        ? ml.Transforms.ExtractPixels(SavedFormat.Features, t.FeatureColumnName,
            t.Model.SampleShape[0] == 1 ? ImagePixelExtractingEstimator.ColorBits.Red : ImagePixelExtractingEstimator.ColorBits.Rgb,
            scaleImage: FeatureColumn.PixelScale)
        : ml.Transforms.CopyColumns(SavedFormat.Features, t.FeatureColumnName);

    /// <summary>An empty view with the classifier's feature column, to fit the saved chain on.</summary>
    private static IDataView Empty<TRow>(MLContext ml, ConvNetClassificationTransformer t, DataViewType featureType) where TRow : class
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

    private sealed class LookupRow
    {
        public string Key { get; set; } = "";
        public string[] Model { get; set; } = [];
        public float[] Slots { get; set; } = [];
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
