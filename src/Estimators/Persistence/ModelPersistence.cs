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
/// key mapping          → __mlnetconv_key = "MlNetConv.ConvNet.v1"
/// MapValue (lookup)    → __mlnetconv_model = [header, settings, base64 chunks...],
///                        __mlnetconv_slots = [0..S-1] (S scores), __mlnetconv_positions = [0..P-1] (P pixels; 1 for a class)
/// CopyColumns          → __mlnetconv_features = the feature column (ExtractPixels for an image column)
/// scoring mapping      → __mlnetconv_score_text (S fixed-width probabilities), __mlnetconv_index (the class),
///                        __mlnetconv_argmax_text (the class of each of the P positions)
/// Expression           → Score = known-size vector of S floats parsed from the score text
/// classifier:   MapValue, ValueToKey   → PredictedLabel = key over the label's values
/// segmentation: Expression, ConvertType → PredictedMask = P UInt32 class indices (parsed from the fields' text)
/// DropColumns          → the temporary columns
/// </code>
/// After <c>ml.Model.Load</c> the chain scores row by row with the engine; <see cref="LoadedModels.WithBatchedScoring"/>
/// turns it back into the batched transformer. The loaded columns carry no slot names or dimensions.
/// </summary>
internal static class ModelPersistence
{
    public static void Save(ConvNetTransformer transformer, ModelSaveContext ctx) =>
        ((ICanSaveModel)Surrogate(transformer)).Save(ctx);

    /// <summary>The saved form of a transformer as ML.NET transformers, fitted on an empty view.</summary>
    public static TransformerChain<ITransformer> Surrogate(ConvNetTransformer t)
    {
        var ml = new MLContext(seed: 0);
        int scores = t.Model.OutputShape.Size, positions = scores / t.Model.ClassCount;
        var lookupSchema = SchemaDefinition.Create(typeof(LookupRow));
        lookupSchema[nameof(LookupRow.Slots)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, scores);
        lookupSchema[nameof(LookupRow.Positions)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, positions);
        var lookup = ml.Data.LoadFromEnumerable([new LookupRow
        {
            Key = SavedFormat.Version, Model = ModelBlob.Encode(t),
            Slots = [.. Enumerable.Range(0, scores).Select(i => (float)i)], Positions = [.. Enumerable.Range(0, positions).Select(i => (float)i)],
        }], lookupSchema);
        var key = lookup.Schema[nameof(LookupRow.Key)];
        var settings = SavedSettings.Of(t);

        var chain = ml.Transforms.CustomMapping(new ModelKeyMapping().GetMapping(), SavedFormat.KeyContract)
            .Append(ml.Transforms.Conversion.MapValue(SavedFormat.Model, lookup, key, lookup.Schema[nameof(LookupRow.Model)], SavedFormat.Key))
            .Append(ml.Transforms.Conversion.MapValue(SavedFormat.Slots, lookup, key, lookup.Schema[nameof(LookupRow.Slots)], SavedFormat.Key))
            .Append(ml.Transforms.Conversion.MapValue(SavedFormat.Positions, lookup, key, lookup.Schema[nameof(LookupRow.Positions)], SavedFormat.Key))
            .Append(Features(ml, t))
            .Append(ml.Transforms.CustomMapping(new ScoringMapping().GetMapping(), SavedFormat.ScoringContract))
            .Append(ml.Transforms.Expression(settings.ScoreColumn, Parse("float", SavedFormat.ScoreWidth), SavedFormat.Slots, SavedFormat.ScoreText))
            .Append(t switch
            {
                ConvNetClassificationTransformer c => PredictedLabel(ml, c),
                _ => ml.Transforms.Expression(SavedFormat.ArgMax, Parse("", SavedFormat.ArgMaxWidth), SavedFormat.Positions, SavedFormat.ArgMaxText)
                    .Append(ml.Transforms.Conversion.ConvertType(settings.PredictedColumn, SavedFormat.ArgMax, DataKind.UInt32)),
            })
            .Append(ml.Transforms.DropColumns([.. SavedFormat.TemporaryColumns, t is ConvNetClassificationTransformer ? SavedFormat.Value : SavedFormat.ArgMax]));

        var fitted = chain.Fit(t.ImageInput ? Empty<ImageRow>(ml, t, new ImageDataViewType(t.Model.SampleShape[1], t.Model.SampleShape[2]))
            : Empty<VectorRow>(ml, t, new VectorDataViewType(NumberDataViewType.Single, t.Model.SampleShape.Size)));
        return new TransformerChain<ITransformer>([.. fitted]);
    }

    /// <summary>An Expression that takes field i of a text of fixed-width fields (parsed by <paramref name="type"/>, or as text), for each slot i of a known-size index vector.</summary>
    private static string Parse(string type, int width) => $"(i, s) => {type}(mid(s, int(i) * {width}, int(i) * {width} + {width}))";

    /// <summary>The features as the scoring mapping's float vector: a copy, or for images ExtractPixels with the scale and channels the engine reads.</summary>
    private static IEstimator<ITransformer> Features(MLContext ml, ConvNetTransformer t) => t.ImageInput
        ? ml.Transforms.ExtractPixels(SavedFormat.Features, t.FeatureColumnName,
            t.Model.SampleShape[0] == 1 ? ImagePixelExtractingEstimator.ColorBits.Red : ImagePixelExtractingEstimator.ColorBits.Rgb,
            scaleImage: FeatureColumn.PixelScale)
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

    private sealed class LookupRow
    {
        public string Key { get; set; } = "";
        public string[] Model { get; set; } = [];
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
