using MlNetConv.Data;
using SkiaSharp;

namespace MlNetConv.Samples.TransferLearning;

/// <summary>A row of the image folder: the file and its class name.</summary>
public sealed class ImageRow
{
    public string ImagePath { get; set; } = "";
    public string Label { get; set; } = "";
}

/// <summary>Fashion-MNIST's IDX images written as PNG files, one folder per class, as a user's own photos would be.</summary>
internal static class ImageFolder
{
    /// <param name="perClass">the first N images of each class; null for all</param>
    public static List<ImageRow> Write(string data, string prefix, string folder, string[] classes, int? perClass)
    {
        var images = IdxFile.ReadImages(Path.Combine(data, $"{prefix}-images-idx3-ubyte.gz"));
        var labels = IdxFile.ReadLabels(Path.Combine(data, $"{prefix}-labels-idx1-ubyte.gz"));
        if (images.Count != labels.Count) throw new InvalidDataException($"{images.Path} has {images.Count} images but {labels.Path} {labels.Count} labels.");
        int rows = images.Dimensions[1], columns = images.Dimensions[2], size = rows * columns;
        var taken = new int[classes.Length];
        var result = new List<ImageRow>();
        for (int i = 0; i < images.Count; i++)
        {
            int label = labels.Data.Span[i];
            if (perClass is { } limit && taken[label] >= limit) continue;
            taken[label]++;
            string path = Path.Combine(folder, label.ToString(), $"{prefix}-{i:D5}.png");
            if (!File.Exists(path)) Save(images.Data.Span.Slice(i * size, size), columns, rows, path);
            result.Add(new ImageRow { ImagePath = path, Label = classes[label] });
        }
        return result;
    }

    private static void Save(ReadOnlySpan<byte> grey, int width, int height, string path)
    {
        using var bitmap = new SKBitmap(width, height, SKColorType.Gray8, SKAlphaType.Opaque);
        grey.CopyTo(bitmap.GetPixelSpan());
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var file = File.Create(path);
        bitmap.Encode(file, SKEncodedImageFormat.Png, 100);
    }
}
