using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetConv.Backends;
using MlNetConv.Cli.Data;
using MlNetConv.Estimators;
using MlNetConv.Graphs;
using MlNetConv.Inspection;
using MlNetConv.Layers;
using MlNetConv.Onnx;
using MlNetConv.Persistence;
using MlNetConv.Plots;
using MlNetConv.Preprocessing;
using MlNetConv.Tensors;
using MlNetConv.Transforms;

namespace MlNetConv.Cli;

/// <summary>
/// The network that <c>plot</c> draws and <c>view</c> serves, with how it reads images and its class names, from any model
/// the command line reads: a model zip saved by <c>train</c> (its network, image reading and class names), an engine model file
/// (<c>ModelFile</c>: images read as R, G, B or grey in [0, 1], classes numbered), or an ONNX file (an RGB network with ImageNet's
/// reading, as <c>--pretrained</c> reads one, a grey one in [0, 1]; classes numbered).
/// </summary>
internal sealed class InspectedModel : IDisposable
{
    private InspectedModel(Network network, ImagePreprocessing image, IReadOnlyList<string> classNames, string path)
    {
        Network = network;
        Image = image;
        ClassNames = classNames;
        Path = path;
    }

    public Network Network { get; }
    public ImagePreprocessing Image { get; }
    public IReadOnlyList<string> ClassNames { get; }
    public string Path { get; }

    public void Dispose() => Network.Dispose();

    /// <exception cref="CliException">the file is missing, damaged or of no kind the command line reads</exception>
    /// <param name="input">the sample shape of an ONNX file with symbolic sizes</param>
    public static InspectedModel Load(string path, Shape? input = null)
    {
        if (!File.Exists(path)) throw new CliException($"model file '{path}' does not exist.");
        if (path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase)) return LoadOnnx(path, input);
        if (IsZip(path))
        {
            var ml = new MLContext(seed: 0);
            var loaded = CliModel.Load(ml, path, Device.Cpu, batchSize: null);
            var (network, _) = ModelFile.FromBytes(loaded.Classifier.Model.Bytes.Span);
            return new InspectedModel(network, ModelImageReading.Of(loaded), loaded.Classifier.ClassNames, path);
        }
        try
        {
            var (network, _) = ModelFile.Load(path);
            return new InspectedModel(network, ImagePreprocessing.Default(network.SampleShape), Numbered(network), path);
        }
        catch (InvalidDataException e)
        {
            throw new CliException($"{char.ToLowerInvariant(e.Message[0])}{e.Message[1..]} (plot reads model zips from 'mlnetconv train', engine model files and ONNX files)", ExitCodes.BadInput, e);
        }
    }

    /// <summary>An ONNX file: RGB networks read images as torchvision's ImageNet networks do (as <c>--pretrained</c>), grey ones as values in [0, 1].</summary>
    private static InspectedModel LoadOnnx(string path, Shape? input)
    {
        Network network;
        try
        {
            network = OnnxImport.Load(path, new OnnxImportOptions { SampleShape = input });
        }
        catch (Exception e) when (e is InvalidDataException or NotSupportedException)
        {
            throw new CliException(char.ToLowerInvariant(e.Message[0]) + e.Message[1..], ExitCodes.BadInput, e);
        }
        var sample = network.SampleShape;
        if (sample.Rank != 3 || sample[0] is not (1 or 3))
        {
            network.Dispose();
            throw new CliException($"ONNX file '{path}' takes {ZooModel.FormatShape(sample)} inputs, not images (1 or 3 channels, H, W).");
        }
        var image = sample[0] == 3 ? new ImagePreprocessing(sample[2], sample[1]) { Normalization = ChannelNormalization.ImageNet } : ImagePreprocessing.Default(sample);
        return new InspectedModel(network, image, Numbered(network), path);
    }

    /// <summary>
    /// An image file as the network reads it (the model's image steps through ML.NET, then its normalisation), and the
    /// picture the network sees (resized, before normalisation) to draw beside it.
    /// </summary>
    /// <exception cref="CliException">a missing or bad image</exception>
    public (float[] Sample, GridImage Seen) Read(string imagePath)
    {
        if (!File.Exists(imagePath)) throw new CliException($"image '{imagePath}' does not exist.");
        if (ImageFileCheck.Problem(imagePath) is { } problem) throw new CliException($"bad image '{imagePath}': {problem}.");
        var ml = new MLContext(seed: 0);
        var rows = ml.Data.LoadFromEnumerable([new ImagePathRow { ImagePath = System.IO.Path.GetFullPath(imagePath) }]);
        var view = CliModel.ImageSteps(ml, Image).Fit(rows).Transform(rows);
        var column = view.Schema[CliModel.Features];
        using var cursor = view.GetRowCursor([column]);
        var getter = cursor.GetGetter<VBuffer<float>>(column);
        VBuffer<float> values = default;
        cursor.MoveNext();
        getter(ref values);
        float[] sample = [.. values.DenseValues()];
        var shape = Image.SampleShape;
        if (sample.Length != shape.Size) throw new CliException($"image '{imagePath}' reads as {sample.Length} values; the model takes {ZooModel.FormatShape(shape)}.");
        // Back to pixel values 0..255: value = (pixel - offset) · scale.
        var seen = GridImage.FromPlanar([.. sample.Select(v => v / Image.Scale + Image.Offset)], shape[0], shape[1], shape[2], scale: 1f);
        Image.Normalization?.Apply(sample, shape, 1);
        return (sample, seen);
    }

    /// <summary>The class probabilities of one sample: the softmax of the network's output, unless its last layer is a softmax.</summary>
    public float[] Probabilities(float[] sample)
    {
        var output = Network.Predict(sample, batchSize: 1);
        return ClassProbabilities.Of(output, isSoftmax: NetworkNodes.All(Network)[^1].Layer is Softmax);
    }

    private static bool IsZip(string path)
    {
        using var file = File.OpenRead(path);
        Span<byte> magic = stackalloc byte[4];
        return file.Read(magic) == 4 && magic is [(byte)'P', (byte)'K', 3, 4];
    }

    private static IReadOnlyList<string> Numbered(Network network) =>
        [.. Enumerable.Range(0, network.OutputShapes[0].Rank >= 2 ? network.OutputShapes[0][1] : 0).Select(c => c.ToString(CultureInfo.InvariantCulture))];
}
