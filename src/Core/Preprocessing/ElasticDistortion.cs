using MlNetConv.Tensors;

namespace MlNetConv.Preprocessing;

/// <summary>
/// Elastic distortion of images (Simard, Steinkraus and Platt 2003, section 2): every pixel gets a random displacement
/// Δx, Δy ~ U(-1, 1); both fields are smoothed by a Gaussian of standard deviation <c>sigma</c> (pixels) and scaled by
/// <c>alpha</c>; the output reads the input bilinearly at the displaced point, zero outside. A small sigma gives a nearly
/// random field that scrambles the image, a large one a nearly constant field (a shift); the paper distorts MNIST digits
/// with sigma 4 and alpha 34. The smoothing is normalised over the taps inside the image (truncated at 4 sigma), so a
/// constant field stays constant up to the border.
/// </summary>
public static class ElasticDistortion
{
    /// <summary>Distorts one (C, H, W) image with a field drawn from <paramref name="seed"/> (<see cref="RandomField"/>).</summary>
    /// <param name="source">(C, H, W)</param>
    /// <param name="destination">(C, H, W), overwritten; must not overlap the source</param>
    public static void Apply(ReadOnlySpan<float> source, Span<float> destination, Shape sampleShape, float alpha, float sigma, ulong seed)
    {
        CheckImage(source, destination, sampleShape);
        int plane = sampleShape[1] * sampleShape[2];
        var fieldY = new float[plane];
        var fieldX = new float[plane];
        RandomField(sampleShape[1], sampleShape[2], alpha, sigma, seed, fieldY, fieldX);
        Displace(source, destination, sampleShape, fieldY, fieldX);
    }

    /// <summary>
    /// Fills the displacement fields: U(-1, 1) per pixel (the x field drawn first), each field smoothed by a Gaussian of
    /// <paramref name="sigma"/> and multiplied by <paramref name="alpha"/>. The same seed gives the same fields.
    /// </summary>
    /// <param name="fieldY">(H, W) displacement down, in pixels</param>
    /// <param name="fieldX">(H, W) displacement right, in pixels</param>
    public static void RandomField(int height, int width, float alpha, float sigma, ulong seed, Span<float> fieldY, Span<float> fieldX)
    {
        if (height <= 0 || width <= 0) throw new ArgumentException($"An elastic field needs a positive size, got {height}x{width}.");
        if (!(alpha >= 0) || !float.IsFinite(alpha)) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "Elastic distortion's alpha must be finite and 0 or more.");
        if (!(sigma > 0) || !float.IsFinite(sigma)) throw new ArgumentOutOfRangeException(nameof(sigma), sigma, "Elastic distortion's sigma must be finite and positive.");
        CheckField(fieldY, height, width, nameof(fieldY));
        CheckField(fieldX, height, width, nameof(fieldX));
        var random = new RandomStream(seed);
        foreach (ref float v in fieldX) v = 2f * random.NextFloat() - 1f;
        foreach (ref float v in fieldY) v = 2f * random.NextFloat() - 1f;
        var kernel = GaussianKernel(sigma, Math.Max(height, width) - 1);
        var scratch = new float[height * width];
        Smooth(fieldX, scratch, height, width, kernel, alpha);
        Smooth(fieldY, scratch, height, width, kernel, alpha);
    }

    /// <summary>destination(c, y, x) = source(c, y + fieldY(y, x), x + fieldX(y, x)), bilinear, zero outside.</summary>
    /// <param name="source">(C, H, W)</param>
    /// <param name="destination">(C, H, W), overwritten; must not overlap the source</param>
    /// <param name="fieldY">(H, W)</param>
    /// <param name="fieldX">(H, W)</param>
    public static void Displace(ReadOnlySpan<float> source, Span<float> destination, Shape sampleShape, ReadOnlySpan<float> fieldY, ReadOnlySpan<float> fieldX)
    {
        CheckImage(source, destination, sampleShape);
        int c = sampleShape[0], h = sampleShape[1], w = sampleShape[2];
        CheckField(fieldY, h, w, nameof(fieldY));
        CheckField(fieldX, h, w, nameof(fieldX));
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                double sy = y + (double)fieldY[y * w + x], sx = x + (double)fieldX[y * w + x];
                if (!double.IsFinite(sy) || !double.IsFinite(sx))
                    throw new ArgumentException($"The displacement at ({y}, {x}) is not finite.");
                // Far outside, the floor below would overflow an int; every tap there reads zero anyway.
                sy = Math.Clamp(sy, -2.0, h + 1.0);
                sx = Math.Clamp(sx, -2.0, w + 1.0);
                int y0 = (int)Math.Floor(sy), x0 = (int)Math.Floor(sx);
                float fy = (float)(sy - y0), fx = (float)(sx - x0);
                for (int ch = 0; ch < c; ch++)
                    destination[(ch * h + y) * w + x] = BilinearSampling.Sample(source.Slice(ch * h * w, h * w), h, w, y0, x0, fy, fx);
            }
    }

    /// <summary>exp(-d²/2σ²) for d = 0 … min(⌈4σ⌉, <paramref name="maxRadius"/>).</summary>
    private static double[] GaussianKernel(float sigma, int maxRadius)
    {
        int radius = (int)Math.Min(Math.Ceiling(4.0 * sigma), maxRadius);
        var kernel = new double[radius + 1];
        for (int d = 0; d <= radius; d++) kernel[d] = Math.Exp(-d * d / (2.0 * sigma * sigma));
        return kernel;
    }

    /// <summary>Separable Gaussian smoothing in place, each pass normalised over the taps inside the image, then × scale.</summary>
    /// <param name="field">(H, W)</param>
    /// <param name="scratch">(H, W)</param>
    private static void Smooth(Span<float> field, Span<float> scratch, int h, int w, double[] kernel, float scale)
    {
        SmoothLines(field, scratch, lines: h, lineStep: w, length: w, step: 1, kernel, 1f);
        SmoothLines(scratch, field, lines: w, lineStep: 1, length: h, step: w, kernel, scale);
    }

    /// <summary>Smooths each of <paramref name="lines"/> lines of <paramref name="length"/> values (rows or columns) along itself.</summary>
    private static void SmoothLines(ReadOnlySpan<float> source, Span<float> destination, int lines, int lineStep, int length, int step, double[] kernel, float scale)
    {
        int radius = kernel.Length - 1;
        for (int line = 0; line < lines; line++)
            for (int i = 0; i < length; i++)
            {
                double sum = 0, weight = 0;
                for (int k = Math.Max(0, i - radius); k <= Math.Min(length - 1, i + radius); k++)
                {
                    sum += kernel[Math.Abs(k - i)] * source[line * lineStep + k * step];
                    weight += kernel[Math.Abs(k - i)];
                }
                destination[line * lineStep + i * step] = (float)(sum / weight) * scale;
            }
    }

    private static void CheckImage(ReadOnlySpan<float> source, Span<float> destination, Shape sampleShape)
    {
        if (sampleShape.Rank != 3) throw new ArgumentException($"Elastic distortion needs (C, H, W) images, got {sampleShape}.");
        if (source.Length != sampleShape.Size || destination.Length != sampleShape.Size)
            throw new ArgumentException($"A {sampleShape} image has {sampleShape.Size} values; the source has {source.Length} and the destination {destination.Length}.");
        if (source.Overlaps(destination)) throw new ArgumentException("The elastic distortion's destination overlaps its source; give a separate buffer.");
    }

    private static void CheckField(ReadOnlySpan<float> field, int h, int w, string name)
    {
        if (field.Length != h * w) throw new ArgumentException($"The {h}x{w} displacement field needs {h * w} values, got {field.Length}.", name);
    }
}
