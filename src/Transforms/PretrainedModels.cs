using MlNetConv.Backends;
using MlNetConv.Graphs;
using MlNetConv.Layers;
using MlNetConv.Onnx;
using MlNetConv.Preprocessing;
using MlNetConv.Tensors;

namespace MlNetConv.Transforms;

/// <summary>
/// Pretrained backbones that served NuGet packages ship, imported with <see cref="OnnxImport"/>. Any other ONNX file works
/// the same way through <see cref="PretrainedModel.FromOnnx"/>.
/// </summary>
public static class PretrainedModels
{
    /// <summary>The NuGet package whose models <see cref="ResNet18ImageNet"/> reads.</summary>
    public const string ResNet18Package = "Microsoft.ML.DnnImageFeaturizer.ResNet18";

    private const string ResNet18Version = "0.24.0", ResNet18File = "ResNet18Onnx/ResNet18.onnx", PreprocessFile = "ResNetPrepOnnx/ResNetPreprocess.onnx";

    /// <summary>The node of the CNTK ResNet-18 whose output (512 maps, the last residual block's ReLU) feeds its final pooling.</summary>
    public const string ResNet18LastBlock = "ReLU393";

    /// <summary>The names of the parts of <see cref="ResNet18ImageNet"/>'s network, prefixes of their parameters' names.</summary>
    public const string PreprocessPart = "preprocess", BackbonePart = "resnet18", PoolNode = "pool", FeaturesNode = "features";

    /// <summary>
    /// The ImageNet ResNet-18 of the NuGet package <see cref="ResNet18Package"/> (a CNTK export) as a feature extractor: 512
    /// features per image, the global average of its last residual block (its own final pooling, for any size). The
    /// package's files are looked up in <paramref name="modelDirectory"/>, else in the app's <c>DnnImageModels</c> folder
    /// (where referencing the package puts them), else in the NuGet packages folder.
    /// <para>
    /// At 224 x 224 the images are read as the package's own preprocessing model expects them (R, G, B values 0..255, as
    /// ML.NET's ExtractPixels gives them by default) and that model (R, G, B → B, G, R minus its 224 x 224 mean image) is the
    /// network's first part: the features are those of the package's two models run one after the other. At any other
    /// size (the network is fully convolutional; 32 x 32 at least), the mean image, made for 224 x 224, is averaged per channel
    /// and applied as the images' normalisation instead, with the planes read in B, G, R order.
    /// </para>
    /// </summary>
    /// <exception cref="FileNotFoundException">the package's files are nowhere to be found; the message says how to get them</exception>
    public static PretrainedModel ResNet18ImageNet(int imageSize = 224, string? modelDirectory = null, IBackend? backend = null)
    {
        if (imageSize < 32) throw new ArgumentOutOfRangeException(nameof(imageSize), imageSize, "ResNet-18 needs images of 32 x 32 pixels at least.");
        string directory = FindModels(modelDirectory);
        using var preprocess = OnnxImport.Load(Path.Combine(directory, PreprocessFile));
        using var resnet = OnnxImport.Load(Path.Combine(directory, ResNet18File));
        var model = new PretrainedModel(resnet, null, ResNet18LastBlock, "ImageNet ResNet-18");
        var backbone = model.Through(ResNet18LastBlock);
        backbone.Name = BackbonePart;
        var head = new ILayer[] { new GlobalAvgPool(PoolNode), new Flatten(FeaturesNode) };
        var size = new Shape(3, imageSize, imageSize);
        if (imageSize == 224)
        {
            var steps = Zoo.Architectures.Clone(preprocess.Root);
            steps.Name = PreprocessPart;
            var network = new Network(new Sequential([steps, backbone, .. head]), size, backend);
            network.CopyMatchingParameters(preprocess, PreprocessPart + ".");
            model.CopyWeights(network, BackbonePart + ".");
            return new PretrainedModel(network, new ImagePreprocessing(224, 224) { Scale = 1 }, FeaturesNode, model.Name);
        }
        var mean = MeanPerChannel(preprocess);
        var resized = new Network(new Sequential([backbone, .. head]), size, backend);
        model.CopyWeights(resized, BackbonePart + ".");
        return new PretrainedModel(resized, new ImagePreprocessing(imageSize, imageSize)
        {
            Order = ChannelOrder.Bgr, Scale = 1, Normalization = new ChannelNormalization(mean, [1f, 1f, 1f]),
        }, FeaturesNode, model.Name);
    }

    /// <summary>The preprocessing model's mean image (the shift of its per-element constant, negated), averaged per channel: B, G, R.</summary>
    private static float[] MeanPerChannel(Network preprocess)
    {
        var constant = Network.Flatten(preprocess.Root).OfType<ConstantAffine>().SingleOrDefault(c => c.PerElement)
            ?? throw new InvalidDataException($"The preprocessing model of {ResNet18Package} has no mean image.");
        var shift = constant.Shift.Value.ToArray();
        int plane = shift.Length / 3;
        return [.. Enumerable.Range(0, 3).Select(c => -(float)shift.AsSpan(c * plane, plane).ToArray().Average(v => (double)v))];
    }

    /// <summary>The folder holding the package's <c>ResNet18Onnx</c> and <c>ResNetPrepOnnx</c> folders.</summary>
    private static string FindModels(string? given)
    {
        var candidates = new List<string>();
        if (given is not null) candidates.Add(given);
        else
        {
            candidates.Add(Path.Combine(AppContext.BaseDirectory, "DnnImageModels"));
            string packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            candidates.Add(Path.Combine(packages, ResNet18Package.ToLowerInvariant(), ResNet18Version, "tools", "DnnImageModels"));
        }
        foreach (var directory in candidates)
            if (File.Exists(Path.Combine(directory, ResNet18File)) && File.Exists(Path.Combine(directory, PreprocessFile))) return directory;
        throw new FileNotFoundException(
            $"The ImageNet ResNet-18 is not in {string.Join(" nor in ", candidates.Select(c => $"'{c}'"))}: add the NuGet package {ResNet18Package} "
            + $"{ResNet18Version} to the app (dotnet add package {ResNet18Package} --version {ResNet18Version}), which copies its DnnImageModels folder "
            + "next to the app, or pass the folder holding ResNet18Onnx and ResNetPrepOnnx.");
    }
}
