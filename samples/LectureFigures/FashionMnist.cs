using MlNetConv.Data;
using MlNetConv.Preprocessing;
using MlNetConv.Tensors;
using MlNetConv.Training;

namespace MlNetConv.Samples.LectureFigures;

/// <summary>
/// Fashion-MNIST (Xiao et al. 2017: 60,000 training and 10,000 test 28x28 grey images of 10 kinds of clothing) from the
/// IDX files of the Debian package dataset-fashion-mnist, pixels scaled to [0, 1].
/// </summary>
internal static class FashionMnist
{
    public const string DefaultFolder = "/usr/share/datasets/fashion-mnist";

    /// <summary>The training set's pixel mean and standard deviation on [0, 1].</summary>
    public static ChannelNormalization Normalization { get; } = new([0.2860f], [0.3530f]);

    /// <param name="prefix">"train" or "t10k"</param>
    public static InMemoryDataset Load(string folder, string prefix)
    {
        string imagesPath = Path.Combine(folder, $"{prefix}-images-idx3-ubyte.gz"), labelsPath = Path.Combine(folder, $"{prefix}-labels-idx1-ubyte.gz");
        foreach (var path in new[] { imagesPath, labelsPath })
            if (!File.Exists(path))
                throw new FileNotFoundException($"{path} not found: install the Debian package dataset-fashion-mnist or pass --fashion-mnist DIR.", path);
        var images = IdxFile.ReadImages(imagesPath);
        var labels = IdxFile.ReadLabels(labelsPath);
        if (images.Count != labels.Count) throw new InvalidDataException($"{images.Path} has {images.Count} images but {labels.Path} {labels.Count} labels.");
        if (images.Dimensions.Count != 3 || images.Dimensions[1] != 28 || images.Dimensions[2] != 28)
            throw new InvalidDataException($"{images.Path} holds images of {string.Join("x", images.Dimensions.Skip(1))} pixels, not 28x28.");
        var pixels = images.Data.Span;
        var features = new float[pixels.Length];
        for (int i = 0; i < features.Length; i++) features[i] = pixels[i] / 255f;
        var classes = labels.Data.Span;
        var targets = new int[images.Count];
        for (int i = 0; i < targets.Length; i++)
            targets[i] = classes[i] < 10 ? classes[i] : throw new InvalidDataException($"{labels.Path}: label {classes[i]} of item {i} is not a class 0-9.");
        return new InMemoryDataset(features, targets, new Shape(1, 28, 28));
    }
}
