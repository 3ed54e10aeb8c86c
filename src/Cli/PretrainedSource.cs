using MlNetConv.Onnx;
using MlNetConv.Preprocessing;
using MlNetConv.Tensors;
using MlNetConv.Transforms;

namespace MlNetConv.Cli;

/// <summary>
/// The network <c>train --pretrained</c> fine-tunes and <c>neighbours --model</c> compares images with: <c>resnet18</c>
/// (the ImageNet ResNet-18 of the NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18, at the size of <c>--input</c>,
/// 224 by default) or an ONNX file (read with torchvision's ImageNet convention: R, G, B in [0, 1] normalised with
/// ImageNet's statistics, at its own input size or <c>--input</c> when it leaves the size open).
/// </summary>
internal static class PretrainedSource
{
    public const string ResNet18 = "resnet18";

    /// <param name="option">the option that named it, for messages</param>
    /// <exception cref="CliException">the name is unknown, the file missing or unreadable, or <paramref name="input"/> does not fit</exception>
    public static PretrainedModel Load(string source, Shape? input, string option = "--pretrained")
    {
        if (input is { } shape && (shape.Rank != 3 || shape[0] != 3 || shape[1] != shape[2] && source == ResNet18))
            throw new CliException($"--input {ZooModel.FormatShape(shape)} does not fit a pretrained ImageNet network: it reads RGB images (3,H,W){(source == ResNet18 ? ", square for resnet18" : "")}.", ExitCodes.Usage);
        try
        {
            if (source.Equals(ResNet18, StringComparison.OrdinalIgnoreCase)) return PretrainedModels.ResNet18ImageNet(input?[1] ?? 224);
            if (!source.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
                throw new CliException($"{option} {source}: give '{ResNet18}' or an ONNX file (FILE.onnx).", ExitCodes.Usage);
            if (!File.Exists(source)) throw new CliException($"ONNX file '{source}' ({option}) does not exist.");
            var options = new OnnxImportOptions { SampleShape = input };
            var network = OnnxImport.Load(source, options);
            var sample = network.SampleShape;
            if (sample.Rank != 3 || sample[0] != 3)
                throw new CliException($"ONNX file '{source}' takes {ZooModel.FormatShape(sample)} inputs, not RGB images (3,H,W).");
            return new PretrainedModel(network, new ImagePreprocessing(sample[2], sample[1]) { Normalization = ChannelNormalization.ImageNet },
                name: $"ONNX model '{source}'");
        }
        catch (Exception e) when (e is InvalidDataException or NotSupportedException or FileNotFoundException)
        {
            throw new CliException(char.ToLowerInvariant(e.Message[0]) + e.Message[1..], ExitCodes.BadInput, e);
        }
    }
}
