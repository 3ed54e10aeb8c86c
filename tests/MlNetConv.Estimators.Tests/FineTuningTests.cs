using Microsoft.ML;
using MlNetConv.Graphs;
using MlNetConv.Layers;
using MlNetConv.Optimizers;
using MlNetConv.Persistence;
using MlNetConv.Tensors;
using MlNetConv.Transforms;
using static MlNetConv.Tests.Shared.BarImages;

namespace MlNetConv.Estimators.Tests;

/// <summary>
/// The trainers' fine-tuning options on the bar images: a pretrained network with a new head, its backbone frozen (bit
/// for bit), trained at a scaled learning rate, or with its BatchNorm statistics kept.
/// </summary>
public sealed class FineTuningTests
{
    /// <summary>A "pretrained" network: a small convolutional body with BatchNorm and a 5-class head, weights drawn from seed 11.</summary>
    private static PretrainedModel Pretrained()
    {
        var architecture = new NetworkBuilder().Conv2d(6, 3, padding: 1, name: "conv1").BatchNorm2d(name: "bn1").ReLU("relu1")
            .Conv2d(8, 3, padding: 1, name: "conv2").ReLU("relu2").MaxPool2d(2, name: "pool").Flatten("flatten").Dense(5, name: "fc").Build("body");
        var network = new Network(architecture, new Shape(1, 6, 6), seed: 11);
        // Statistics unlike a fresh layer's, so that keeping them shows.
        var bn = Network.Flatten(network.Root).OfType<BatchNorm2d>().Single();
        bn.RunningMean.Value.CopyFrom([0.3f, -0.2f, 0.1f, 0.5f, -0.4f, 0.2f]);
        bn.RunningVar.Value.CopyFrom([1.5f, 0.7f, 2f, 0.9f, 1.2f, 0.6f]);
        return new PretrainedModel(network, null, name: "bar body");
    }

    private static Network Train(ConvNetClassificationOptions options, int epochs = 3)
    {
        var ml = new MLContext(seed: 1);
        options.Epochs = epochs;
        options.BatchSize = 16;
        options.Seed = 5;
        options.Optimizer ??= new SgdOptions(0.05f, 0.9f);
        var model = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.MulticlassClassification.Trainers.ConvNet(ml, options))
            .Fit(ml.Data.LoadFromEnumerable(Bars(96, 2)));
        return ModelFile.FromBytes(model.LastTransformer.Model.Bytes.Span).Network;
    }

    private static float[] Values(Network network, string name) => network[name].Value.ToArray();

    [Fact]
    public void AFrozenBackboneKeepsEveryBitWhileTheNewHeadLearns()
    {
        var pretrained = Pretrained();
        Assert.Equal("pool", pretrained.DefaultFeatureNode);
        using var tuned = Train(new ConvNetClassificationOptions { Pretrained = pretrained, FreezeThrough = PretrainedModel.BackbonePart });
        foreach (var p in pretrained.Network.TrainableParameters.Where(p => !p.Name.StartsWith("fc.")))
            Assert.Equal(p.Value.ToArray(), Values(tuned, "backbone." + p.Name));
        // BatchNorm's running statistics are not weights: they follow the new data unless FreezeBatchNorm keeps them.
        Assert.NotEqual(Values(pretrained.Network, "bn1.running_mean"), Values(tuned, "backbone.bn1.running_mean"));
        using var still = Train(new ConvNetClassificationOptions { Pretrained = pretrained, FreezeThrough = PretrainedModel.BackbonePart, FreezeBatchNorm = true });
        foreach (var p in pretrained.Network.Parameters.Where(p => !p.Name.StartsWith("fc.")))
            Assert.Equal(p.Value.ToArray(), Values(still, "backbone." + p.Name));
        // The new head: 3 classes from the flattened pooled maps, trained away from its initialisation.
        Assert.Equal(new Shape(3, 8 * 3 * 3), tuned["head.weight"].Shape);
        using var fresh = new Network(pretrained.WithHead(3), new Shape(1, 6, 6), seed: 5);
        Assert.NotEqual(fresh["head.weight"].Value.ToArray(), Values(tuned, "head.weight"));
        Assert.DoesNotContain(tuned.Parameters, p => p.Name.StartsWith("backbone.fc"));
    }

    [Fact]
    public void FreezingThroughANodeKeepsItAndWhatComesBeforeIt()
    {
        var pretrained = Pretrained();
        using var tuned = Train(new ConvNetClassificationOptions { Pretrained = pretrained, FreezeThrough = "backbone.relu1" });
        Assert.Equal(Values(pretrained.Network, "conv1.weight"), Values(tuned, "backbone.conv1.weight"));
        Assert.Equal(Values(pretrained.Network, "bn1.weight"), Values(tuned, "backbone.bn1.weight"));
        Assert.NotEqual(Values(pretrained.Network, "conv2.weight"), Values(tuned, "backbone.conv2.weight"));
    }

    [Fact]
    public void ABackboneLearningRateOfZeroLeavesItsWeightsAndFrozenStatisticsStay()
    {
        var pretrained = Pretrained();
        using var tuned = Train(new ConvNetClassificationOptions { Pretrained = pretrained, BackboneLearningRateScale = 0f, FreezeBatchNorm = true });
        foreach (var p in pretrained.Network.Parameters.Where(p => !p.Name.StartsWith("fc.")))
            Assert.Equal(p.Value.ToArray(), Values(tuned, "backbone." + p.Name));

        // Without FreezeBatchNorm the running statistics follow the bar images.
        using var moving = Train(new ConvNetClassificationOptions { Pretrained = pretrained, BackboneLearningRateScale = 0f });
        Assert.Equal(Values(pretrained.Network, "conv1.weight"), Values(moving, "backbone.conv1.weight"));
        Assert.NotEqual(Values(pretrained.Network, "bn1.running_mean"), Values(moving, "backbone.bn1.running_mean"));
    }

    [Fact]
    public void TheSameSeedGivesTheSameFineTunedModel()
    {
        var pretrained = Pretrained();
        var options = () => new ConvNetClassificationOptions { Pretrained = pretrained, BackboneLearningRateScale = 0.1f };
        using var first = Train(options(), epochs: 2);
        using var second = Train(options(), epochs: 2);
        foreach (var p in first.Parameters) Assert.Equal(p.Value.ToArray(), Values(second, p.Name));
    }

    [Fact]
    public void ContradictoryOptionsAreClearErrors()
    {
        var pretrained = Pretrained();
        var both = Assert.Throws<ArgumentException>(() => Train(new ConvNetClassificationOptions
        {
            Pretrained = pretrained, Architecture = new NetworkBuilder().Flatten().Dense(3).Build(),
        }));
        Assert.Contains("not both", both.Message);
        var scale = Assert.Throws<ArgumentException>(() => Train(new ConvNetClassificationOptions { BackboneLearningRateScale = 0.5f }));
        Assert.Contains("Pretrained", scale.Message);
        var unknown = Assert.ThrowsAny<ArgumentException>(() => Train(new ConvNetClassificationOptions { Pretrained = pretrained, FreezeThrough = "backbone.nope" }));
        Assert.Contains("nope", unknown.Message);
    }
}
