using System.Globalization;
using MlNetConv.Estimators;
using MlNetConv.Estimators.Persistence;
using MlNetConv.Persistence;
using MlNetConv.Tests.Shared;
using MlNetConv.Transforms;
using Microsoft.ML;

namespace MlNetConv.Cli.Tests;

/// <summary>
/// <c>train --pretrained resnet18</c>: the ImageNet ResNet-18 of the NuGet package fine-tuned with a new head on a folder of
/// real digits (at 32 x 32, to stay quick), its backbone frozen; the saved zip evaluates and scores like any other.
/// </summary>
public sealed class PretrainedTrainingTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mlnetconv-pretrained-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void AFrozenResNet18BackboneWithANewHeadTrainsSavesAndEvaluates()
    {
        string train = DigitImages.WriteClassFolder(Path.Combine(_folder, "train"), 0, 90, 0, 1, 7);
        string test = DigitImages.WriteClassFolder(Path.Combine(_folder, "test"), 8000, 30, 0, 1, 7);
        string zip = Path.Combine(_folder, "tuned.zip");
        var run = CliRun.Of("train", "--pretrained", "resnet18", "--input", "3x32x32", "--data", train, "--test", test, "-o", zip,
            "--epochs", "3", "--batch-size", "16", "--lr", "0.05", "--freeze", "backbone", "--freeze-batchnorm").Expect(ExitCodes.Ok);
        Assert.Contains("ImageNet ResNet-18 with a new head: ", run.Out);
        Assert.Contains("input 3x32x32, 3 classes, 90 rows", run.Out);
        double accuracy = double.Parse(run.OutLines[^1].Split(' ')[1], CultureInfo.InvariantCulture);
        Assert.True(accuracy >= 0.8, $"test accuracy {accuracy} of a linear head on frozen ImageNet features of three digits");

        // The saved classifier reads images as the pretrained network does (B, G, R values 0..255, its mean per channel), and
        // its backbone kept every weight: the package's network, bit for bit.
        var ml = new MLContext(seed: 1);
        var classifier = ml.Model.LoadConvNet(zip, out _).FindConvNet();
        var resnet = PretrainedModels.ResNet18ImageNet(32);
        Assert.Equal(resnet.Normalization!.Mean, classifier.Model.Normalization!.Mean);
        using var tuned = ModelFile.FromBytes(classifier.Model.Bytes.Span).Network;
        foreach (var p in resnet.Network.TrainableParameters)
            Assert.Equal(p.Value.ToArray(), tuned[PretrainedModel.BackbonePart + "." + p.Name].Value.ToArray());

        var evaluation = CliRun.Of("evaluate", zip, "--data", test).Expect(ExitCodes.Ok);
        Assert.Contains($"accuracy: {accuracy.ToString("F4", CultureInfo.InvariantCulture)}", evaluation.Out);
    }

    [Fact]
    public void PretrainedOptionsAreCheckedTogether()
    {
        string data = DigitImages.WriteClassFolder(Path.Combine(_folder, "data"), 0, 6, 0, 1);
        Assert.Contains("give a zoo architecture or --pretrained", CliRun.Of("train", "lenet5", "--pretrained", "resnet18", "--data", data, "-o", "m.zip")
            .Expect(ExitCodes.Usage).Error);
        Assert.Contains("--freeze and --backbone-lr-scale go with --pretrained", CliRun.Of("train", "lenet5", "--freeze", "backbone", "--data", data, "-o", "m.zip")
            .Expect(ExitCodes.Usage).Error);
        Assert.Contains("does not exist", CliRun.Of("train", "--pretrained", Path.Combine(_folder, "none.onnx"), "--data", data, "-o", "m.zip")
            .Expect(ExitCodes.BadInput).Error);
    }
}
