using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetConv.Estimators;
using MlNetConv.Estimators.Persistence;
using MlNetConv.Graphs;
using MlNetConv.Layers;
using MlNetConv.Preprocessing;
using MlNetConv.Tensors;
using MlNetConv.Tests.Shared;
using MlNetConv.Transforms;

namespace MlNetConv.Cli.Tests;

/// <summary>
/// One image-input convention: an image file read by the trainers (the engine's reader of an image column), by the
/// featurizer, by a featurizer saved and loaded again (ML.NET's own transforms, row by row) and by the command line's
/// image steps gives the same tensor.
/// </summary>
public sealed class ImageInputConventionTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mlnetconv-convention-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    public static TheoryData<string> Conventions => ["default", "bgr-offset-normalised", "grey"];

    [Theory]
    [MemberData(nameof(Conventions))]
    public void OneImageGivesOneTensorOnEveryPath(string name)
    {
        var image = Convention(name);
        string png = Path.Combine(_folder, "colour.png");
        DigitImages.WriteColourPng(0, 1, 2, png);
        var ml = new MLContext(seed: 1);
        var rows = ml.Data.LoadFromEnumerable([new PathRow { ImagePath = png }]);
        int size = image.SampleShape.Size;

        // The command line's steps (and every saved model's): LoadImages, ResizeImages, [grey], ExtractPixels, then the
        // model's normalisation.
        var cli = First(CliModel.ImageSteps(ml, image).Fit(rows).Transform(rows), CliModel.Features);
        image.Normalization?.Apply(cli, image.SampleShape, 1);

        // The trainers' reader of an image column (the featurizer and the scoring transformers read through it too).
        var sized = ml.Transforms.LoadImages("Image", null, "ImagePath").Append(ml.Transforms.ResizeImages("Image", image.Width, image.Height))
            .Append(image.Channels == 1 ? ml.Transforms.ConvertToGrayscale("Image") : (IEstimator<ITransformer>)ml.Transforms.CopyColumns("Unused", "ImagePath"));
        var images = sized.Fit(rows).Transform(rows);
        var trainer = new float[size];
        var column = FeatureColumn.Resolve(images.Schema, "Image", null, image);
        using (var cursor = images.GetRowCursor(images.Schema))
        {
            Assert.True(cursor.MoveNext());
            column.Reader(cursor, "training", "ImagePath").Read(trainer);
        }
        image.Normalization?.Apply(trainer, image.SampleShape, 1);

        // The featurizer over a network that only flattens its input: its features are the normalised sample.
        using var identity = new Network(new Flatten(), image.SampleShape);
        var featurize = sized.Append(ml.Transforms.ConvNetFeaturize("Tensor", "Image", new PretrainedModel(identity, image)));
        var fitted = featurize.Fit(rows);
        var featurizer = First(fitted.Transform(rows), "Tensor");

        // The same featurizer saved and loaded: ML.NET's own transforms read the image, row by row.
        string zip = Path.Combine(_folder, "featurizer.zip");
        ml.Model.Save(fitted, rows.Schema, zip);
        var loaded = First(ml.Model.Load(zip, out _).Transform(rows), "Tensor");

        Assert.Equal(size, cli.Length);
        Assert.True(cli.Distinct().Count() > 10, "the tensor is nearly constant: the comparison would be empty");
        Assert.Equal(cli, trainer);
        Assert.Equal(cli, featurizer);
        Assert.Equal(cli, loaded);
        // And the convention is the one it says: the first plane is (pixel - offset) * scale of the channel it names.
        if (image.Channels == 3) Assert.Equal(ExpectedFirstPlane(image, png), cli.AsSpan(0, image.Height * image.Width).ToArray());
    }

    /// <summary>The convention of <see cref="Conventions"/> called <paramref name="name"/>.</summary>
    internal static ImagePreprocessing Convention(string name) => name switch
    {
        // Not square, so that a swapped height and width shows; resized from the digits' 28 x 28.
        "default" => new ImagePreprocessing(24, 20),
        "bgr-offset-normalised" => new ImagePreprocessing(24, 20)
        {
            Order = ChannelOrder.Bgr, Offset = 12, Scale = 1f / 64, Normalization = new ChannelNormalization([0.5f, -1f, 2f], [0.5f, 2f, 0.25f]),
        },
        "grey" => new ImagePreprocessing(24, 20, channels: 1) { Normalization = ChannelNormalization.Mnist },
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "No such convention."),
    };

    /// <summary>The first plane from the resized image's bytes, computed here: red for RGB, blue for BGR.</summary>
    private static float[] ExpectedFirstPlane(ImagePreprocessing image, string png)
    {
        var ml = new MLContext(seed: 1);
        var rows = ml.Data.LoadFromEnumerable([new PathRow { ImagePath = png }]);
        var pipeline = ml.Transforms.LoadImages("Image", null, "ImagePath").Append(ml.Transforms.ResizeImages("Image", image.Width, image.Height));
        var view = pipeline.Fit(rows).Transform(rows);
        using var cursor = view.GetRowCursor(view.Schema);
        Assert.True(cursor.MoveNext());
        MLImage picture = null!;
        cursor.GetGetter<MLImage>(view.Schema["Image"])(ref picture);
        var pixels = picture.Pixels;
        bool bgra = picture.PixelFormat == MLPixelFormat.Bgra32;
        int channel = image.Order == ChannelOrder.Rgb ? (bgra ? 2 : 0) : (bgra ? 0 : 2);
        var plane = new float[image.Height * image.Width];
        for (int i = 0; i < plane.Length; i++) plane[i] = (pixels[i * 4 + channel] - image.Offset) * image.Scale;
        if (image.Normalization is { } n)
            for (int i = 0; i < plane.Length; i++) plane[i] = (plane[i] - n.Mean[0]) * (1f / n.Std[0]);
        return plane;
    }

    private static float[] First(IDataView view, string column)
    {
        using var cursor = view.GetRowCursor([view.Schema[column]]);
        Assert.True(cursor.MoveNext());
        VBuffer<float> values = default;
        cursor.GetGetter<VBuffer<float>>(view.Schema[column])(ref values);
        return values.DenseValues().ToArray();
    }

    private sealed class PathRow
    {
        public string ImagePath { get; set; } = "";
    }
}
