using MlNetConv.Persistence;
using MlNetConv.Preprocessing;
using MlNetConv.Transforms;

namespace MlNetConv.Estimators;

/// <summary>A trained model of this library as a <see cref="PretrainedModel"/>: features of one's own network, or a start for fine-tuning.</summary>
public static class PretrainedExtensions
{
    /// <summary>
    /// The network of a trained (or loaded) classifier, segmenter or featurizer as a <see cref="PretrainedModel"/>: its weights
    /// (a copy, on the CPU; <see cref="PretrainedModel.Build"/> puts it on any backend), how its images are read with the
    /// model's normalisation, and its features by default at the last hidden layer (LeNet-5's <c>relu4</c>, the input of
    /// the final classifier), so that <c>ml.Transforms.ConvNetFeaturize(…, transformer.ToPretrained())</c> gives the vectors
    /// nearest-neighbour search and the lecture's AlexNet slide use.
    /// <code>
    /// var trained = ml.Model.LoadConvNet("model.zip", out _).FindConvNet()!;
    /// var features = ml.Transforms.ConvNetFeaturize("Features", "Image", trained.ToPretrained());
    /// </code>
    /// </summary>
    /// <param name="featureNode">the node whose output is the features; null: the last hidden layer, else the network's output</param>
    /// <param name="imagePreprocessing">
    /// how images become the model's input, for a model that reads a vector column made from images (ExtractPixels before
    /// it): its size and channels must be the network's; its normalisation, if any, the model's. Null: the model's own
    /// (<see cref="ConvNetTransformer.ImagePreprocessing"/>), or none for a vector model without normalisation.
    /// </param>
    /// <param name="name">what messages call the model</param>
    /// <exception cref="ArgumentException">
    /// the network has no node <paramref name="featureNode"/>; the preprocessing does not fit the model; or the model reads
    /// normalised vectors and no preprocessing was given to carry the normalisation
    /// </exception>
    public static PretrainedModel ToPretrained(this ConvNetTransformer transformer, string? featureNode = null, ImagePreprocessing? imagePreprocessing = null,
        string? name = null)
    {
        ArgumentNullException.ThrowIfNull(transformer);
        var model = transformer.Model;
        var normalization = model.Normalization;
        if (imagePreprocessing is { Normalization: { } given } && (normalization is null || !given.Mean.SequenceEqual(normalization.Mean) || !given.Std.SequenceEqual(normalization.Std)))
            throw new ArgumentException($"The image preprocessing normalises with {Text(given)}, the model {(normalization is null ? "not at all" : $"with {Text(normalization)}")}: "
                + "leave the normalisation out of the preprocessing (the model's is used).", nameof(imagePreprocessing));
        var reading = imagePreprocessing ?? transformer.ImagePreprocessing;
        if (reading is null && normalization is not null)
            throw new ArgumentException($"The model reads vectors of column '{transformer.FeatureColumnName}' normalised with {Text(normalization)}: give the image "
                + "preprocessing those vectors were made with, which carries the normalisation.", nameof(imagePreprocessing));
        var (network, _) = ModelFile.FromBytes(model.Bytes.Span);
        try
        {
            var pretrained = new PretrainedModel(network, reading is null ? null : reading with { Normalization = normalization }, featureNode,
                name ?? $"trained {TaskOf(transformer)}");
            if (featureNode is not null) pretrained.Through(featureNode);
            return pretrained;
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    private static string Text(ChannelNormalization n) => $"mean [{string.Join(", ", n.Mean)}] and std [{string.Join(", ", n.Std)}]";

    private static string TaskOf(ConvNetTransformer transformer) => transformer switch
    {
        ConvNetClassificationTransformer => "ConvNet classifier",
        ConvNetSegmentationTransformer => "ConvNet segmenter",
        _ => "ConvNet featurizer",
    };
}
