using Microsoft.ML;
using Microsoft.ML.Transforms.Image;
using MlNetConv.Cli.Data;
using MlNetConv.Preprocessing;
using MlNetConv.Tensors;
using MlNetConv.Transforms;

namespace MlNetConv.Cli.Tests;

/// <summary>
/// How a model zip of the command line reads images, read back off its image steps: every convention <c>train</c> saves
/// comes back as it went in, and steps that read pixels otherwise are clear errors.
/// </summary>
public sealed class ModelImageReadingTests
{
    [Theory]
    [MemberData(nameof(ImageInputConventionTests.Conventions), MemberType = typeof(ImageInputConventionTests))]
    public void TheSavedImageStepsGiveBackTheConventionTheyWereMadeWith(string name) => AssertReadBack(ImageInputConventionTests.Convention(name));

    /// <summary>What <c>train --pretrained resnet18 --input 3x32x32</c> saves: B, G, R values 0..255 less a mean per channel.</summary>
    [Fact]
    public void TheImageStepsOfAResNet18At32PixelsGiveBackItsConvention() => AssertReadBack(new ImagePreprocessing(32, 32)
    {
        Order = ChannelOrder.Bgr, Scale = 1, Normalization = new ChannelNormalization([103.9f, 116.8f, 123.7f], [1f, 1f, 1f]),
    });

    private static void AssertReadBack(ImagePreprocessing image)
    {
        var ml = new MLContext(seed: 1);
        var steps = CliModel.FittedImageSteps(ml, image);
        var read = ModelImageReading.Of(steps, image.SampleShape, image.Normalization, "model.zip");
        Assert.Equal(image, read);
        Assert.False(float.IsNegative(read.Offset), "an offset of 0 reads back as -0");
    }

    [Fact]
    public void StepsThatReadPixelsOtherwiseAreClearErrors()
    {
        var ml = new MLContext(seed: 1);
        var empty = ml.Data.LoadFromEnumerable(Array.Empty<ImagePathRow>());
        var greenFirst = ml.Transforms.LoadImages(CliModel.Image, null, CliModel.ImagePath).Append(ml.Transforms.ResizeImages(CliModel.Image, 8, 8))
            .Append(ml.Transforms.ExtractPixels(CliModel.Features, CliModel.Image, orderOfExtraction: ImagePixelExtractingEstimator.ColorsOrder.AGRB))
            .Fit(empty);
        var error = Assert.Throws<CliException>(() => ModelImageReading.Of(greenFirst, new Shape(3, 8, 8), null, "model.zip"));
        Assert.Equal("model file 'model.zip' extracts its first plane neither from red nor from blue.", error.Message);

        var noPixels = ml.Transforms.LoadImages(CliModel.Image, null, CliModel.ImagePath).Fit(empty);
        Assert.Equal("model file 'model.zip' does not turn images into its network's 3x8x8 input with ExtractPixels.",
            Assert.Throws<CliException>(() => ModelImageReading.Of([noPixels], new Shape(3, 8, 8), null, "model.zip")).Message);
    }
}
