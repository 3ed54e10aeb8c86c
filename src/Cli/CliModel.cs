using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;
using Microsoft.ML.Transforms.Image;
using MlNetConv.Backends;
using MlNetConv.Cli.Data;
using MlNetConv.Estimators;
using MlNetConv.Estimators.Persistence;
using MlNetConv.Persistence;
using MlNetConv.Tensors;
using MlNetConv.Transforms;

namespace MlNetConv.Cli;

/// <summary>
/// The models the command line writes: a plain ML.NET model zip holding one chain,
/// <code>
/// MapValueToKey(Label) → LoadImages(Image ← ImagePath) → ResizeImages → [ConvertToGrayscale] → ExtractPixels(Features)
///   → ConvNet classifier (Score, PredictedLabel) → MapKeyToValue(PredictedLabel)
/// </code>
/// saved for the input columns Label and ImagePath (text), so any ML.NET app can load it and score image files. The image
/// steps are those of the model's <see cref="ImagePreprocessing"/> (by default R, G, B or grey in [0, 1]; a pretrained
/// network's own otherwise). Pixel data (IDX files) enters after the image steps, as a Features column of (C, H, W) values
/// read by the same convention.
/// </summary>
internal static class CliModel
{
    public const string Label = "Label", ImagePath = "ImagePath", Image = "Image", Features = "Features", Score = "Score", PredictedLabel = "PredictedLabel";

    /// <summary>Image path → Features (C, H, W) as <paramref name="image"/> reads images.</summary>
    public static IEstimator<ITransformer> ImageSteps(MLContext ml, ImagePreprocessing image) =>
        new EstimatorChain<ITransformer>()
            .Append<ITransformer>(ml.Transforms.LoadImages(Image, imageFolder: null, ImagePath))
            .Append(image.Steps(ml, Features, Image));

    /// <summary>The image steps fitted with nothing to learn from: what a model trained on pixels is saved with.</summary>
    public static IEnumerable<ITransformer> FittedImageSteps(MLContext ml, ImagePreprocessing image) =>
        CliModel.Flatten((IEnumerable<ITransformer>)ImageSteps(ml, image).Fit(ml.Data.LoadFromEnumerable(Array.Empty<ImagePathRow>())));

    /// <summary>The input schema every saved model records: Label and ImagePath, text.</summary>
    public static DataViewSchema InputSchema(MLContext ml) => ml.Data.LoadFromEnumerable(Array.Empty<ImagePathRow>()).Schema;

    /// <summary>The steps of a chain with nested chains spliced in (appending a chain to a pipeline nests it).</summary>
    public static IEnumerable<ITransformer> Flatten(IEnumerable<ITransformer> chain) =>
        chain.SelectMany(t => t is IEnumerable<ITransformer> inner ? Flatten(inner) : [t]);

    private static bool IsImageStep(ITransformer t) =>
        t is ImageLoadingTransformer or ImageResizingTransformer or ImageGrayscalingTransformer or ImagePixelExtractingTransformer;

    /// <summary>Saves with <c>ml.Model.Save</c> to a temporary file in the same folder, then renames it into place (<see cref="AtomicFile"/>).</summary>
    public static long Save(MLContext ml, ITransformer model, string path)
    {
        using (var file = AtomicFile.Create(path))
        {
            ml.Model.Save(model, InputSchema(ml), file.Stream);
            file.Commit();
        }
        return new FileInfo(path).Length;
    }

    /// <summary>Loads a model the command line saved, with its ConvNet restored as the batched transformer.</summary>
    /// <exception cref="CliException">the file is missing, corrupt, not an MlNetConv model, or not one that reads image paths</exception>
    public static LoadedModel Load(MLContext ml, string path, Device device, int? batchSize)
    {
        var (backend, _) = Devices.Create(device, fallbackToCpu: device.Kind == DeviceKind.Auto);
        var (loaded, input) = LoadZip(ml, path, backend, batchSize);
        var batched = loaded is IEnumerable<ITransformer> chain ? Flatten(chain).ToList() : [];
        var classifier = batched.OfType<ConvNetClassificationTransformer>().FirstOrDefault();
        if (input.GetColumnOrNull(ImagePath) is not { Type: TextDataViewType } || loaded is not IEnumerable<ITransformer>)
            throw new CliException($"model file '{path}' does not read image paths (its input columns: {string.Join(", ", input.Select(c => c.Name))}); "
                + "score and evaluate take models saved by 'mlnetconv train'.");
        if (classifier is null) throw new CliException($"model file '{path}' holds no ConvNet classifier.");
        return new LoadedModel(new TransformerChain<ITransformer>([.. batched]), new TransformerChain<ITransformer>([.. batched.Where(t => !IsImageStep(t))]), classifier, path);
    }

    /// <summary>
    /// An ML.NET model zip holding a ConvNet, restored as the batched transformer (<see cref="LoadedModels.LoadConvNet(ModelOperationsCatalog, string, out DataViewSchema, IBackend?, int?)"/>);
    /// a missing, damaged or foreign file is a one-line error.
    /// </summary>
    public static (ITransformer Model, DataViewSchema Input) LoadZip(MLContext ml, string path, IBackend? backend = null, int? batchSize = null)
    {
        if (!File.Exists(path)) throw new CliException($"model file '{path}' does not exist.");
        try
        {
            var model = ml.Model.LoadConvNet(path, out var input, backend, batchSize);
            return (model, input);
        }
        catch (InvalidDataException e)
        {
            throw new CliException(char.ToLowerInvariant(e.Message[0]) + e.Message[1..], ExitCodes.BadInput, e);
        }
    }
}

/// <summary>A loaded model: the whole chain for image paths, the chain after the image steps for pixels, and its classifier.</summary>
internal sealed record LoadedModel(ITransformer ForImages, ITransformer ForPixels, ConvNetClassificationTransformer Classifier, string Path)
{
    /// <summary>(C, H, W) the network takes.</summary>
    public Shape InputShape => Classifier.Model.SampleShape;

    /// <summary>Scores <paramref name="data"/> through the chain for its layout.</summary>
    /// <exception cref="CliException">pixels of another size than the model's input</exception>
    public IDataView Transform(LabeledData data)
    {
        if (data.PixelShape is { } shape && shape != InputShape)
            throw new CliException($"model '{Path}' takes {ZooModel.FormatShape(InputShape)} inputs; the data '{data.Source}' is {ZooModel.FormatShape(shape)}.");
        return (data.IsPixels ? ForPixels : ForImages).Transform(data.View);
    }
}
