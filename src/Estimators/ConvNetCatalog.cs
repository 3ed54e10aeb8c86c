using Microsoft.ML;

namespace MlNetConv.Estimators;

/// <summary>
/// <c>ml.MulticlassClassification.Trainers.ConvNet(ml, options)</c> and <c>.ConvNetSegmentation(ml, options)</c>. ML.NET does not let an extension method reach the
/// catalog's MLContext, so pass it: the trainer takes its seed, logs to MLContext.Log and honours its settings.
/// </summary>
public static class ConvNetCatalog
{
    public static ConvNetClassificationTrainer ConvNet(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        MLContext ml, ConvNetClassificationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new ConvNetClassificationTrainer(ml, options ?? new ConvNetClassificationOptions());
    }

    /// <summary>Per-pixel classification (semantic segmentation) with a fully convolutional network.</summary>
    public static ConvNetSegmentationTrainer ConvNetSegmentation(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        MLContext ml, ConvNetSegmentationOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new ConvNetSegmentationTrainer(ml, options);
    }
}
