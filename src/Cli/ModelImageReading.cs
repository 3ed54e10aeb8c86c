using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using MlNetConv.Preprocessing;
using MlNetConv.Tensors;
using MlNetConv.Transforms;

namespace MlNetConv.Cli;

/// <summary>
/// How a model zip of the command line reads an image file, as an <see cref="ImagePreprocessing"/>: the network's input
/// size and channels, the order, offset and scale of the chain's ExtractPixels step, and the classifier's normalisation.
/// The classifier reads the vector ExtractPixels makes, so it does not know these settings, and ML.NET keeps the step's
/// own settings internal: the step is run on three one-colour images (made by ConvertToImage) and the settings are read
/// off its output. Pixel value p gives (p - offset) · scale: 0 and 1 give the offset and the scale (exactly when the
/// offset is 0), and a pixel of red 3, green 2 and blue 1 the order of the planes.
/// </summary>
internal static class ModelImageReading
{
    /// <exception cref="CliException">the chain has no ExtractPixels step for the classifier's input, or it reads pixels in a way images are not read</exception>
    public static ImagePreprocessing Of(LoadedModel model) => model.Classifier.ImagePreprocessing
        ?? Of(CliModel.Flatten((IEnumerable<ITransformer>)model.ForImages), model.InputShape, model.Classifier.Model.Normalization, model.Path);

    /// <summary>The reading of the last ExtractPixels step of <paramref name="steps"/>, for a network that takes <paramref name="input"/>.</summary>
    /// <param name="path">the model file, for messages</param>
    public static ImagePreprocessing Of(IEnumerable<ITransformer> steps, Shape input, ChannelNormalization? normalization, string path)
    {
        var extract = steps.OfType<ImagePixelExtractingTransformer>().LastOrDefault();
        if (extract is null || input.Rank != 3 || input[0] is not (1 or 3))
            throw new CliException($"model file '{path}' does not turn images into its network's {ZooModel.FormatShape(input)} input with ExtractPixels.");
        var planes = Run(extract, input[1], input[2], [(0, 0, 0), (1, 1, 1), (3, 2, 1)], path);
        // 0 - v rather than -v, so that an offset of 0 reads back as 0, not -0.
        float offsetTimesScale = 0 - planes[0][0], scale = planes[1][0] - planes[0][0];
        if (!(scale != 0 && float.IsFinite(scale) && float.IsFinite(offsetTimesScale)))
            throw new CliException($"model file '{path}' extracts pixels with a scale of {scale}: they would carry no image.");
        float offset = offsetTimesScale / scale;
        float first = MathF.Round(planes[2][0] / scale + offset);
        var order = first switch
        {
            3 => ChannelOrder.Rgb,
            1 when input[0] == 3 => ChannelOrder.Bgr,
            _ => throw new CliException($"model file '{path}' extracts its first plane neither from red nor from blue."),
        };
        return new ImagePreprocessing(input[2], input[1], input[0]) { Order = order, Offset = offset, Scale = scale, Normalization = normalization };
    }

    /// <summary>The step's output for one image per colour (red, green, blue), each the first value of each plane.</summary>
    private static float[][] Run(ImagePixelExtractingTransformer extract, int height, int width, (byte R, byte G, byte B)[] colours, string path)
    {
        var ml = new MLContext(seed: 0);
        int plane = height * width;
        var schema = SchemaDefinition.Create(typeof(ColourRow));
        schema[nameof(ColourRow.Planes)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, 3, height, width);
        var rows = colours.Select(c => new ColourRow
        {
            Planes = [.. Enumerable.Repeat((float)c.R, plane), .. Enumerable.Repeat((float)c.G, plane), .. Enumerable.Repeat((float)c.B, plane)],
        });
        try
        {
            var planes = ml.Data.LoadFromEnumerable(rows, schema);
            var output = extract.Transform(ml.Transforms.ConvertToImage(height, width, CliModel.Image, nameof(ColourRow.Planes)).Fit(planes).Transform(planes));
            var column = output.Schema[CliModel.Features];
            var result = new List<float[]>();
            using var cursor = output.GetRowCursor([column]);
            var getter = cursor.GetGetter<VBuffer<float>>(column);
            VBuffer<float> values = default;
            while (cursor.MoveNext())
            {
                getter(ref values);
                var dense = values.DenseValues().ToArray();
                result.Add([.. Enumerable.Range(0, dense.Length / plane).Select(c => dense[c * plane])]);
            }
            return [.. result];
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or KeyNotFoundException)
        {
            throw new CliException($"model file '{path}' has an ExtractPixels step that does not read the image column '{CliModel.Image}' into "
                + $"'{CliModel.Features}': {e.Message}", ExitCodes.BadInput, e);
        }
    }

    /// <summary>An image as ML.NET's ConvertToImage takes it: red, green and blue planes of values 0..255.</summary>
    private sealed class ColourRow
    {
        public float[] Planes { get; set; } = [];
    }
}
