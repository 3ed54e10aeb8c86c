using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Microsoft.ML.Transforms.Image;
using MlNetConv.Backends;
using MlNetConv.Graphs;
using MlNetConv.Tensors;
using MlNetConv.Training;
using MlNetConv.Zoo;

namespace MlNetConv.Estimators;

/// <summary>
/// Trains a convolutional network on a key label and a known-size float vector (e.g. from ExtractPixels, whose
/// dimensions give (C, H, W)), as one step of an ML.NET pipeline. A thin adapter over the engine's Trainer.
/// </summary>
public sealed class ConvNetClassificationTrainer : IEstimator<ConvNetClassificationTransformer>
{
    private readonly MLContext _ml;
    private readonly ConvNetClassificationOptions _options;

    public ConvNetClassificationTrainer(MLContext ml, ConvNetClassificationOptions options)
    {
        _ml = ml ?? throw new ArgumentNullException(nameof(ml));
        _options = options ?? throw new ArgumentNullException(nameof(options));
    }

    public ConvNetClassificationTransformer Fit(IDataView input)
    {
        var o = _options;
        var (features, classCount) = CheckSchema(input.Schema);
        if (o.ValidationSet is not null)
        {
            var (validationFeatures, validationClasses) = CheckSchema(o.ValidationSet.Schema);
            if (validationFeatures.SampleShape != features.SampleShape || validationFeatures.IsImage != features.IsImage || validationClasses != classCount)
                throw new ArgumentOutOfRangeException(nameof(input), $"ConvNet: the validation set has input {validationFeatures.SampleShape} and {validationClasses} classes, the training set {features.SampleShape} and {classCount}.");
        }
        var network = ConvNetTraining.Run(_ml, o, input, features, new KeyLabelColumn(o.LabelColumnName),
            o.Network(classCount, () => Architectures.LeNet5(features.SampleShape[^1], classCount)),
            n => n.OutputShapes[0].Rank != 2 || n.OutputShapes[0][1] != classCount
                ? $"the network's output is {n.OutputShapes[0]}, but label column '{o.LabelColumnName}' has {classCount} classes: end the network with Dense({classCount})."
                : null,
            loss: null);
        var normalization = o.ModelNormalization(features);
        return new ConvNetClassificationTransformer(new ConvNetModel(network, normalization), o.FeatureColumnName, features.Image is { } image ? image with { Normalization = normalization } : null,
            o.ScoreColumnName, o.PredictedLabelColumnName, input.Schema[o.LabelColumnName].Annotations) { ImagePathColumnName = o.ImagePathColumnName };
    }

    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        var label = inputSchema.FirstOrDefault(c => c.Name == _options.LabelColumnName);
        if (label.Name is null) throw new ArgumentOutOfRangeException(nameof(inputSchema), $"ConvNet: label column '{_options.LabelColumnName}' not found.");
        if (!label.IsKey) throw new ArgumentOutOfRangeException(nameof(inputSchema), $"ConvNet: label column '{_options.LabelColumnName}' must be a key; add MapValueToKey(\"{_options.LabelColumnName}\") before the trainer.");
        var features = inputSchema.FirstOrDefault(c => c.Name == _options.FeatureColumnName);
        if (features.Name is null) throw new ArgumentOutOfRangeException(nameof(inputSchema), $"ConvNet: feature column '{_options.FeatureColumnName}' not found.");
        // ML.NET's own multiclass trainer declares exactly the Score/PredictedLabel columns this trainer adds; it
        // takes a float vector, so an image column is declared through the pixels ExtractPixels would give.
        const string pixels = "__mlnetconv_pixels";
        var trainers = _ml.MulticlassClassification.Trainers;
        var shape = features.ItemType is ImageDataViewType
            ? _ml.Transforms.ExtractPixels(pixels, _options.FeatureColumnName)
                .Append(trainers.NaiveBayes(_options.LabelColumnName, pixels))
                .Append(_ml.Transforms.DropColumns(pixels))
                .GetOutputSchema(inputSchema)
            : trainers.NaiveBayes(_options.LabelColumnName, _options.FeatureColumnName).GetOutputSchema(inputSchema);
        return _options.ScoreColumnName == ConvNetClassificationOptions.Defaults.Score && _options.PredictedLabelColumnName == ConvNetClassificationOptions.Defaults.PredictedLabel
            ? shape
            : _ml.Transforms.CopyColumns(_options.ScoreColumnName, ConvNetClassificationOptions.Defaults.Score)
                .Append(_ml.Transforms.CopyColumns(_options.PredictedLabelColumnName, ConvNetClassificationOptions.Defaults.PredictedLabel))
                .GetOutputSchema(shape);
    }

    private (FeatureColumn Features, int Classes) CheckSchema(DataViewSchema schema)
    {
        var o = _options;
        var features = FeatureColumn.Resolve(schema, o.FeatureColumnName, o.InputShape, o.ImageReading);
        var label = FeatureColumn.Find(schema, o.LabelColumnName, "label");
        if (label.Type is not KeyDataViewType key || key.RawType != typeof(uint))
            throw new ArgumentOutOfRangeException(nameof(schema), $"ConvNet: label column '{o.LabelColumnName}' must be a UInt32 key (add MapValueToKey), got {label.Type}.");
        if (key.Count < 2) throw new ArgumentOutOfRangeException(nameof(schema), $"ConvNet: label column '{o.LabelColumnName}' has {key.Count} classes; at least 2 are needed.");
        return (features, (int)key.Count);
    }
}
