using Microsoft.ML;
using MlNetConv.Estimators.Persistence;
using MlNetConv.Graphs;
using MlNetConv.Onnx;
using MlNetConv.Persistence;

namespace MlNetConv.Estimators;

/// <summary>
/// <c>model.ExportToOnnx("model.onnx")</c>: the ConvNet of a trained or loaded ML.NET model as an ONNX model that gives
/// what its Score column gives.
/// </summary>
public static class OnnxExportExtensions
{
    /// <summary>
    /// Writes the first ConvNet classifier or segmentation transformer of <paramref name="model"/> (a fitted pipeline,
    /// or a model read by <c>ml.Model.Load</c>) as an ONNX model (<see cref="OnnxExport"/>), replacing the file through a
    /// temporary file renamed into place.
    /// <para>
    /// Input <c>input</c>: float32 (N, C, H, W), planar, the values the ML.NET feature column gives the transformer
    /// <em>before</em> normalisation — e.g. pixels scaled to [0, 1] as <c>ExtractPixels(scaleImage: 1f / 255)</c> gives
    /// them, or as the trainer reads an image column (R, G, B planes; the R plane for one channel). The model's
    /// <c>Normalization</c> is part of the ONNX graph. Output <c>output</c>: the softmax probabilities of the Score
    /// column, (N, classes) for a classifier, (N, classes, H, W) for segmentation. The other steps of the pipeline
    /// (loading and resizing images, key mappings) and the class names are not exported.
    /// </para>
    /// </summary>
    /// <exception cref="ArgumentException">the model holds no ConvNet transformer</exception>
    /// <exception cref="NotSupportedException">a layer of the network has no ONNX counterpart; the message names it</exception>
    public static void ExportToOnnx(this ITransformer model, string path) => Find(model).Model.ExportToOnnx(path);

    /// <summary>Writes the ONNX model of <see cref="ExportToOnnx(ITransformer, string)"/> to a stream.</summary>
    /// <inheritdoc cref="ExportToOnnx(ITransformer, string)" path="/exception"/>
    public static void ExportToOnnx(this ITransformer model, Stream destination) => Find(model).Model.ExportToOnnx(destination);

    /// <summary>Writes a trained <see cref="ConvNetModel"/> (e.g. read by <see cref="ConvNetModel.FromBytes"/>) as <see cref="ExportToOnnx(ITransformer, string)"/> does.</summary>
    /// <exception cref="NotSupportedException">a layer of the network has no ONNX counterpart; the message names it</exception>
    public static void ExportToOnnx(this ConvNetModel model, string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Export(model, (network, options) => OnnxExport.Save(network, path, options));
    }

    /// <summary>Writes a trained <see cref="ConvNetModel"/> to a stream as <see cref="ExportToOnnx(ITransformer, string)"/> does.</summary>
    /// <exception cref="NotSupportedException">a layer of the network has no ONNX counterpart; the message names it</exception>
    public static void ExportToOnnx(this ConvNetModel model, Stream destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        Export(model, (network, options) => OnnxExport.Save(network, destination, options));
    }

    /// <summary>Rebuilds the network from the model's saved bytes (on the CPU) and hands it over with its normalisation and a softmax.</summary>
    private static void Export(ConvNetModel model, Action<Network, OnnxExportOptions> save)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var network = ModelFile.FromBytes(model.Bytes.Span).Network;
        save(network, new OnnxExportOptions { Normalization = model.Normalization, Softmax = true });
    }

    private static ConvNetTransformer Find(ITransformer model)
    {
        ArgumentNullException.ThrowIfNull(model);
        try
        {
            return model.FindConvNet<ConvNetTransformer>();
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException("ONNX export: the model holds no ConvNet classifier or segmentation transformer "
                + "(a model trained with ConvNet or ConvNetSegmentation, or one loaded by ml.Model.Load).", nameof(model), e);
        }
    }
}
