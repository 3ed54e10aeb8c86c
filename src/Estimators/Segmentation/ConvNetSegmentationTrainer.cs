using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using MlNetConv.Backends.Meta;
using MlNetConv.Graphs;
using MlNetConv.Losses;
using MlNetConv.Tensors;
using MlNetConv.Zoo;

namespace MlNetConv.Estimators;

/// <summary>
/// Trains a fully convolutional network for semantic segmentation as one step of an ML.NET pipeline: an image or
/// pixel-vector feature column and a mask column (H·W class indices) in, per-pixel softmax cross-entropy (class
/// weights, ignore label), and a transformer that adds per-pixel probabilities and a class map.
/// </summary>
public sealed class ConvNetSegmentationTrainer : IEstimator<ConvNetSegmentationTransformer>
{
    private readonly MLContext _ml;
    private readonly ConvNetSegmentationOptions _options;

    public ConvNetSegmentationTrainer(MLContext ml, ConvNetSegmentationOptions options)
    {
        _ml = ml ?? throw new ArgumentNullException(nameof(ml));
        _options = options ?? throw new ArgumentNullException(nameof(options));
    }

    public ConvNetSegmentationTransformer Fit(IDataView input)
    {
        var o = _options;
        if (o.Pretrained is not null)
            throw new InvalidOperationException("ConvNet segmentation: a segmentation network starts from trained weights through StartFrom (parameters copied by name, "
                + "e.g. a ResNet classifier's into Architectures.Fcn); Pretrained adds a classifier head. FreezeThrough and FreezeBatchNorm apply.");
        var architecture = o.Architecture ?? throw new InvalidOperationException(
            "ConvNet segmentation: set Architecture to a fully convolutional network, e.g. Architectures.Fcn8s(...) or one built with NetworkBuilder.");
        var (features, classes) = CheckSchema(input.Schema, architecture);
        if (o.ValidationSet is not null) CheckSchema(o.ValidationSet.Schema, architecture);
        if (o.ClassWeights is { } weights && weights.Length != classes)
            throw new ArgumentOutOfRangeException(nameof(input), $"ConvNet segmentation: {weights.Length} class weights for {classes} classes.");
        int height = features.SampleShape[1], width = features.SampleShape[2];
        var loss = new SoftmaxCrossEntropyLoss(o.ClassWeights);
        var network = ConvNetTraining.Run(_ml, o, input, features,
            new MaskLabelColumn(o.LabelColumnName, height, width, classes, o.IgnoreLabel, loss.IgnoreIndex), architecture, _ => null, loss);
        var normalization = o.ModelNormalization(features);
        return new ConvNetSegmentationTransformer(new ConvNetModel(network, normalization), o.FeatureColumnName, features.Image is { } image ? image with { Normalization = normalization } : null,
            o.ScoreColumnName, o.PredictedMaskColumnName, o.ClassNames) { ImagePathColumnName = o.ImagePathColumnName };
    }

    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        var o = _options;
        var features = inputSchema.FirstOrDefault(c => c.Name == o.FeatureColumnName);
        if (features.Name is null) throw new ArgumentOutOfRangeException(nameof(inputSchema), $"ConvNet segmentation: feature column '{o.FeatureColumnName}' not found.");
        if (inputSchema.FirstOrDefault(c => c.Name == o.LabelColumnName).Name is null)
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"ConvNet segmentation: mask column '{o.LabelColumnName}' not found.");
        // Declared through ML.NET's own transforms (a schema shape's columns cannot be made outside ML.NET): a float
        // vector for the scores, a UInt32 vector for the class map. ML.NET converts no float to an integer, so the class
        // map's stand-in passes through text, which it does convert.
        const string text = "__mlnetconv_mask_text";
        IEstimator<ITransformer> score = features.ItemType is ImageDataViewType
            ? _ml.Transforms.ExtractPixels(o.ScoreColumnName, o.FeatureColumnName)
            : _ml.Transforms.CopyColumns(o.ScoreColumnName, o.FeatureColumnName);
        return score.Append(_ml.Transforms.Conversion.ConvertType(text, o.ScoreColumnName, DataKind.String))
            .Append(_ml.Transforms.Conversion.ConvertType(o.PredictedMaskColumnName, text, DataKind.UInt32))
            .Append(_ml.Transforms.DropColumns(text))
            .GetOutputSchema(inputSchema);
    }

    /// <returns>the feature column, and the class count: the network's output channels</returns>
    private (FeatureColumn Features, int Classes) CheckSchema(DataViewSchema schema, Layers.ILayer architecture)
    {
        var o = _options;
        var features = FeatureColumn.Resolve(schema, o.FeatureColumnName, o.InputShape, o.ImageReading);
        if (features.SampleShape.Rank != 3)
            throw new ArgumentOutOfRangeException(nameof(schema), $"ConvNet segmentation: input {features.SampleShape} must be (C, H, W); set InputShape.");
        // The network's output shape, from shapes alone (nothing is allocated).
        using var shapes = new Network(Architectures.Clone(architecture), features.SampleShape, MetaBackend.Default);
        var output = shapes.OutputShapes[0];
        if (output.Rank != 4 || output[2] != features.SampleShape[1] || output[3] != features.SampleShape[2])
            throw new ArgumentOutOfRangeException(nameof(schema),
                $"ConvNet segmentation: the network turns input {features.SampleShape} into {new Shape(output.ToArray()[1..])}; it must output (classes, {features.SampleShape[1]}, {features.SampleShape[2]}).");
        MaskLabelColumn.Check(schema, o.LabelColumnName, features.SampleShape[1], features.SampleShape[2]);
        return (features, output[1]);
    }
}
