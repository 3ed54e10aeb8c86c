using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetConv.Data;
using SkiaSharp;

namespace MlNetConv.Estimators.Tests;

/// <summary>
/// The alpha policy, pinned: an image with transparency reads as composited over black, value = α·c / 255 (the colour
/// as stored, un-premultiplied, times its opacity), in the engine's reader exactly as in ML.NET's ExtractPixels, so
/// training, batched scoring and a loaded model's chain (which extracts pixels with ExtractPixels) agree.
/// </summary>
public sealed class AlphaPolicyTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mlnetconv-alpha-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private sealed class PathRow
    {
        public string ImagePath { get; set; } = "";
    }

    [Fact]
    public void TransparentPixels_AreCompositedOverBlack_InTheEngineAsInExtractPixels()
    {
        // A real digit's grey levels as red, its mirror image as green, a constant blue, and opacity falling from 255 to 0
        // across the columns (a PNG stores the colour un-premultiplied).
        var digits = MnistDigits.Load(MnistDigits.FindDefault());
        var grey = digits.Pixels.Span.Slice(5 * MnistDigits.PixelsPerImage, MnistDigits.PixelsPerImage).ToArray();
        using var bitmap = new SKBitmap(new SKImageInfo(28, 28, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        var expected = new float[3 * 28 * 28];
        for (int y = 0; y < 28; y++)
            for (int x = 0; x < 28; x++)
            {
                byte r = grey[y * 28 + x], g = grey[y * 28 + 27 - x], b = 180, a = (byte)(255 - x * 255 / 27);
                bitmap.SetPixel(x, y, new SKColor(r, g, b, a));
                int i = y * 28 + x;
                (expected[i], expected[784 + i], expected[1568 + i]) = (r * a / 255f / 255f, g * a / 255f / 255f, b * a / 255f / 255f);
            }
        string path = Path.Combine(_directory, "transparent.png");
        using (var file = File.Create(path)) bitmap.Encode(file, SKEncodedImageFormat.Png, 100);

        var ml = new MLContext(seed: 1);
        var view = ml.Transforms.LoadImages("Image", null, "ImagePath")
            .Append(ml.Transforms.ResizeImages("Image", 28, 28))
            .Append(ml.Transforms.ExtractPixels("Pixels", "Image", scaleImage: 1f / 255))
            .Fit(ml.Data.LoadFromEnumerable([new PathRow { ImagePath = path }]))
            .Transform(ml.Data.LoadFromEnumerable([new PathRow { ImagePath = path }]));
        var column = FeatureColumn.Resolve(view.Schema, "Image", [3, 28, 28]);
        var engine = new float[3 * 28 * 28];
        VBuffer<float> extracted = default;
        using (var cursor = view.GetRowCursor(view.Schema))
        {
            var reader = column.Reader(cursor, "features", "ImagePath");
            var pixels = cursor.GetGetter<VBuffer<float>>(view.Schema["Pixels"]);
            Assert.True(cursor.MoveNext());
            reader.Read(engine);
            pixels(ref extracted);
        }
        Assert.Equal(extracted.DenseValues().ToArray(), engine);
        // Premultiplying rounds each value to a whole step of 1/255.
        for (int i = 0; i < engine.Length; i++) Assert.True(Math.Abs(engine[i] - expected[i]) <= 1f / 255 + 1e-6f, $"value {i}: {engine[i]} for {expected[i]}");
        Assert.Equal(0f, engine[27]);   // the last column is fully transparent: black
    }
}
