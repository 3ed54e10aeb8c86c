using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using MlNetConv.Preprocessing;
using MlNetConv.Tensors;

namespace MlNetConv.Transforms;

/// <summary>The order of the colour planes of a sample.</summary>
public enum ChannelOrder
{
    /// <summary>Red, green, blue (torchvision, ML.NET's ExtractPixels default).</summary>
    Rgb,

    /// <summary>Blue, green, red (Caffe and CNTK models).</summary>
    Bgr,
}

/// <summary>
/// The one image-input convention of MlNetConv: how an image becomes a planar (C, H, W) sample. The image is resized to
/// <see cref="Width"/> x <see cref="Height"/> (ML.NET's ResizeImages), its colour planes taken in <see cref="Order"/> (or the
/// grey level alone when <see cref="Channels"/> is 1), each value becomes (pixel - <see cref="Offset"/>) · <see cref="Scale"/>
/// for pixels 0..255 (as ML.NET's ExtractPixels computes it), and then, inside the model, per-channel
/// <see cref="Normalization"/>. The trainers, the featurizer, the saved models and the command line all read images through
/// it: <see cref="Read"/> in the engine, <see cref="Steps"/> and <see cref="ExtractPixels"/> as ML.NET's own transforms in
/// pipelines and saved chains, which give the same values.
/// </summary>
public sealed record ImagePreprocessing
{
    /// <summary>The values <c>new ImagePreprocessing(width, height)</c> starts from: R, G, B scaled to [0, 1], not normalised.</summary>
    public const float DefaultScale = 1f / 255;

    /// <param name="width">the width images are resized to</param>
    /// <param name="height">the height images are resized to</param>
    /// <param name="channels">3 for colour planes, 1 for the grey level</param>
    public ImagePreprocessing(int width, int height, int channels = 3)
    {
        if (width <= 0 || height <= 0) throw new ArgumentOutOfRangeException(nameof(width), $"Image size {width}x{height}: both must be positive.");
        if (channels is not (1 or 3)) throw new ArgumentOutOfRangeException(nameof(channels), channels, "Images give 3 colour planes or 1 grey plane.");
        Width = width;
        Height = height;
        Channels = channels;
    }

    public int Width { get; }
    public int Height { get; }

    /// <summary>3: the colour planes in <see cref="Order"/>; 1: the grey level (ML.NET's ConvertToGrayscale, then one plane).</summary>
    public int Channels { get; }

    public ChannelOrder Order { get; init; } = ChannelOrder.Rgb;

    /// <summary>Subtracted from each pixel value 0..255 before scaling.</summary>
    public float Offset { get; init; }

    /// <summary>Multiplies each pixel value after the offset: 1/255 gives [0, 1], 1 keeps 0..255.</summary>
    public float Scale { get; init; } = DefaultScale;

    /// <summary>Per-channel (x - mean) / std after scaling, applied by the model (saved with it); null for none.</summary>
    public ChannelNormalization? Normalization { get; init; }

    /// <summary>(C, H, W) of one sample.</summary>
    public Shape SampleShape => new(Channels, Height, Width);

    /// <summary>torchvision's ImageNet convention: R, G, B in [0, 1], normalised with ImageNet's channel statistics.</summary>
    public static ImagePreprocessing ImageNet(int size = 224) => new(size, size) { Normalization = ChannelNormalization.ImageNet };

    /// <summary>
    /// The convention of a model trained on images before conventions were saved: R, G, B (or the first plane for one
    /// channel) scaled to [0, 1].
    /// </summary>
    public static ImagePreprocessing Default(Shape sampleShape) => new(sampleShape[2], sampleShape[1], sampleShape[0]);

    /// <summary>
    /// ML.NET's transforms from an image column to the sample column <paramref name="outputColumn"/>: ResizeImages, for one
    /// channel ConvertToGrayscale, then <see cref="ExtractPixels"/>. The image column is replaced by the resized image.
    /// </summary>
    public IEstimator<ITransformer> Steps(MLContext ml, string outputColumn, string imageColumn) =>
        Resize(ml, imageColumn).Append<ITransformer>(ExtractPixels(ml, outputColumn, imageColumn));

    /// <summary>
    /// ML.NET's transforms that make the image column <paramref name="imageColumn"/> what the engine reads in place of
    /// pixels (a trainer's or <c>ConvNetFeaturize</c>'s image column): ResizeImages to this size, and for one channel
    /// ConvertToGrayscale. <see cref="Steps"/> without ExtractPixels.
    /// </summary>
    public EstimatorChain<ITransformer> Resize(MLContext ml, string imageColumn)
    {
        ArgumentNullException.ThrowIfNull(ml);
        var steps = new EstimatorChain<ITransformer>()
            .Append<ITransformer>(ml.Transforms.ResizeImages(imageColumn, imageWidth: Width, imageHeight: Height, imageColumn));
        return Channels == 1 ? steps.Append<ITransformer>(ml.Transforms.ConvertToGrayscale(imageColumn)) : steps;
    }

    /// <summary>ML.NET's ExtractPixels with this convention's planes, order, offset and scale, for images already of the right size.</summary>
    public IEstimator<ITransformer> ExtractPixels(MLContext ml, string outputColumn, string imageColumn) =>
        ml.Transforms.ExtractPixels(outputColumn, imageColumn,
            Channels == 1 ? ImagePixelExtractingEstimator.ColorBits.Red : ImagePixelExtractingEstimator.ColorBits.Rgb,
            Order == ChannelOrder.Bgr ? ImagePixelExtractingEstimator.ColorsOrder.ABGR : ImagePixelExtractingEstimator.ColorsOrder.ARGB,
            offsetImage: Offset, scaleImage: Scale);

    /// <summary>
    /// The engine's reading of an image of exactly <see cref="Width"/> x <see cref="Height"/>: the values
    /// <see cref="ExtractPixels"/> gives, before normalisation. One channel reads the first (red) plane, which is the grey
    /// level of a grey image (ConvertToGrayscale makes colour images grey).
    /// </summary>
    /// <param name="destination">the sample (C, H, W), overwritten</param>
    /// <exception cref="ArgumentException">the image has another size or an unsupported pixel format</exception>
    public void Read(MLImage image, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.Height != Height || image.Width != Width)
            throw new ArgumentException($"the image is {image.Height}x{image.Width}, expected {Height}x{Width}: add ResizeImages");
        int plane = Height * Width;
        CheckDestination(destination);
        var (r, g, b) = image.PixelFormat switch
        {
            MLPixelFormat.Bgra32 => (2, 1, 0),
            MLPixelFormat.Rgba32 => (0, 1, 2),
            _ => throw new ArgumentException($"pixel format {image.PixelFormat} is not supported (Bgra32 or Rgba32)"),
        };
        Span<int> planes = Channels == 1 || Order == ChannelOrder.Rgb ? [r, g, b] : [b, g, r];
        var pixels = image.Pixels;
        for (int c = 0; c < Channels; c++)
        {
            var target = destination.Slice(c * plane, plane);
            for (int i = 0, at = planes[c]; i < plane; i++, at += 4) target[i] = (pixels[at] - Offset) * Scale;
        }
    }

    /// <summary>
    /// The engine's reading of a grey image given as H x W bytes (IDX files): what <see cref="Read"/> gives for the same
    /// image as an MLImage, every plane holding the grey level.
    /// </summary>
    /// <param name="grey">H x W pixel values 0..255, row by row</param>
    /// <param name="destination">the sample (C, H, W), overwritten</param>
    public void ReadGrey(ReadOnlySpan<byte> grey, Span<float> destination)
    {
        int plane = Height * Width;
        if (grey.Length != plane) throw new ArgumentException($"{grey.Length} grey pixels, expected {Height}x{Width}.", nameof(grey));
        CheckDestination(destination);
        for (int i = 0; i < plane; i++) destination[i] = (grey[i] - Offset) * Scale;
        for (int c = 1; c < Channels; c++) destination[..plane].CopyTo(destination.Slice(c * plane, plane));
    }

    /// <param name="destination">must hold one sample (C, H, W)</param>
    private void CheckDestination(Span<float> destination)
    {
        if (destination.Length != SampleShape.Size)
            throw new ArgumentException($"the destination holds {destination.Length} values, the sample {SampleShape} needs {SampleShape.Size}.", nameof(destination));
    }

    /// <summary>The text form saved with models and shown in messages.</summary>
    public override string ToString() =>
        $"{Width}x{Height} {(Channels == 1 ? "grey" : Order.ToString().ToUpperInvariant())}, (pixel - {Offset}) * {Scale}"
        + (Normalization is { } n ? $", normalised with mean [{string.Join(", ", n.Mean)}] and std [{string.Join(", ", n.Std)}]" : "");
}
