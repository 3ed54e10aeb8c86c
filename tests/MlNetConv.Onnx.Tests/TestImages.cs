using MlNetConv.Data;

namespace MlNetConv.Onnx.Tests;

/// <summary>Real pictures for the import tests: the repository's MNIST digits, resized and replicated to colour channels.</summary>
internal static class TestImages
{
    private static readonly Lazy<MnistDigits> Digits = new(() => MnistDigits.Load(MnistDigits.FindDefault()));

    /// <summary>
    /// Digit <paramref name="index"/> as a colour picture (3, size, size) of R, G, B planes on 0..255, each channel another
    /// map of the grey value v (R = v, G = 255 - v, B = v/2 + 64), so that a model that reorders channels shows it.
    /// </summary>
    public static float[] Colour(int index, int size = 224)
    {
        var grey = Resized(index, size);
        var image = new float[3 * grey.Length];
        for (int i = 0; i < grey.Length; i++)
        {
            double v = grey[i];
            (image[i], image[grey.Length + i], image[2 * grey.Length + i]) = ((float)v, (float)(255 - v), (float)(v / 2 + 64));
        }
        return image;
    }

    /// <summary>
    /// Digit <paramref name="index"/> as (3, size, size) in BGR order, bilinearly resized (pixel centres aligned), on 0..255
    /// minus the per-channel means ResNet's preprocessing subtracts.
    /// </summary>
    public static float[] Digit(int index, int size = 224)
    {
        var grey = Resized(index, size);
        float[] means = [103.939f, 116.779f, 123.68f];
        var image = new float[3 * grey.Length];
        for (int c = 0; c < 3; c++)
            for (int i = 0; i < grey.Length; i++) image[c * grey.Length + i] = (float)grey[i] - means[c];
        return image;
    }

    /// <summary>Digit <paramref name="index"/> on 0..255, bilinearly resized to (size, size) with pixel centres aligned.</summary>
    private static double[] Resized(int index, int size)
    {
        var pixels = Digits.Value.Pixels.Slice(index * MnistDigits.PixelsPerImage, MnistDigits.PixelsPerImage).ToArray();
        var image = new double[size * size];
        double ratio = (double)MnistDigits.Rows / size;
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
            {
                double sy = Math.Clamp((y + 0.5) * ratio - 0.5, 0, MnistDigits.Rows - 1), sx = Math.Clamp((x + 0.5) * ratio - 0.5, 0, MnistDigits.Columns - 1);
                int y0 = (int)sy, x0 = (int)sx, y1 = Math.Min(y0 + 1, MnistDigits.Rows - 1), x1 = Math.Min(x0 + 1, MnistDigits.Columns - 1);
                double fy = sy - y0, fx = sx - x0;
                double P(int r, int c) => pixels[r * MnistDigits.Columns + c];
                image[y * size + x] = (1 - fy) * ((1 - fx) * P(y0, x0) + fx * P(y0, x1)) + fy * ((1 - fx) * P(y1, x0) + fx * P(y1, x1));
            }
        return image;
    }
}
