using Microsoft.ML;
using MlNetConv.Graphs;
using MlNetConv.Optimizers;
using MlNetConv.Preprocessing;
using static MlNetConv.Tests.Shared.BarImages;

namespace MlNetConv.Estimators.Tests;

/// <summary>
/// The small classifier the persistence and export tests share: one convolution over the 6x6 bar images, with a
/// normalisation that moves the inputs far from the raw values. Keep the recipe: data/convnet-v1.zip was saved from it.
/// </summary>
internal static class BarClassifier
{
    public static ITransformer Train(MLContext ml) => ml.Transforms.Conversion.MapValueToKey("Label")
        .Append(ml.MulticlassClassification.Trainers.ConvNet(ml, new ConvNetClassificationOptions
        {
            Architecture = new NetworkBuilder().Conv2d(4, 3, padding: 1).ReLU().MaxPool2d(2).Flatten().Dense(3).Build(),
            Epochs = 4, BatchSize = 16, Seed = 3, Optimizer = new SgdOptions(0.05f, 0.9f),
            Normalization = new ChannelNormalization([0.2f], [0.5f]),
        }))
        .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"))
        .Fit(ml.Data.LoadFromEnumerable(Bars(150, 1)));
}
