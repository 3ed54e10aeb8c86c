using MlNetConv.Tensors;
using MlNetConv.Training;

namespace MlNetConv.Preprocessing;

/// <summary>
/// Seeded per-sample augmentation of raw planar (C, H, W) mini-batches in training (before normalisation):
/// geometry (random crop after zero padding, horizontal flip, rotation, scaling) then colour (brightness, contrast,
/// AlexNet's PCA lighting noise) and Gaussian noise. Each sample's draws depend only on (seed, sample), so training
/// stays reproducible; a draw is made only for an enabled option, so adding one leaves the others' draws unchanged.
/// </summary>
public sealed record ImageAugmentation : IBatchAugmentation
{
    /// <summary>Zero padding before a random crop back to the original size (4 for CIFAR/Fashion-MNIST style training): an integer shift of up to this many pixels.</summary>
    public int CropPadding { get; init; }

    public bool HorizontalFlip { get; init; }

    /// <summary>Rotation by an angle drawn uniformly from ±this many degrees about the centre (bilinear, zero fill).</summary>
    public float RotationDegrees { get; init; }

    /// <summary>Zoom by a factor drawn uniformly from [1 - s, 1 + s] about the centre (bilinear, zero fill).</summary>
    public float Scale { get; init; }

    /// <summary>Adds b ~ U(±Brightness) to every value.</summary>
    public float Brightness { get; init; }

    /// <summary>Multiplies every value by g ~ U(1 ± Contrast).</summary>
    public float Contrast { get; init; }

    /// <summary>
    /// AlexNet's lighting noise (Krizhevsky et al. 2012, section 4.1): adds Σᵢ αᵢ λᵢ pᵢ to every RGB pixel, with
    /// αᵢ ~ N(0, PcaLighting²) drawn once per sample and (λᵢ, pᵢ) the principal components of the RGB pixel
    /// covariance (<see cref="PcaEigenvalues"/>, <see cref="PcaEigenvectors"/>). The paper uses 0.1. Three-channel input only.
    /// </summary>
    public float PcaLighting { get; init; }

    /// <summary>Eigenvalues of the RGB covariance on [0, 1] pixels; ImageNet's by default.</summary>
    public float[] PcaEigenvalues { get; init; } = [0.2175f, 0.0188f, 0.0045f];

    /// <summary>The matching eigenvectors as columns: row c holds channel c's (R, G, B) component of each; ImageNet's by default.</summary>
    public float[][] PcaEigenvectors { get; init; } =
    [
        [-0.5675f, 0.7192f, 0.4009f],
        [-0.5808f, -0.0045f, -0.8140f],
        [-0.5836f, -0.6948f, 0.4203f],
    ];

    public float NoiseStd { get; init; }

    public void Apply(Span<float> features, Shape sampleShape, int batch, ulong seed)
    {
        if (sampleShape.Rank != 3) throw new ArgumentException($"Image augmentation needs (C, H, W) samples, got {sampleShape}.");
        if (PcaLighting > 0 && sampleShape[0] != 3) throw new ArgumentException($"PCA lighting needs RGB samples (3 channels), got {sampleShape}.");
        if (CropPadding < 0 || !(RotationDegrees >= 0) || !(Scale is >= 0 and < 1) || !(Brightness >= 0) || !(Contrast is >= 0 and <= 1)
            || !(PcaLighting >= 0) || !(NoiseStd >= 0))
            throw new ArgumentException($"Invalid augmentation {this}: padding, angles and strengths must be 0 or more, Scale and Contrast below 1.");
        if (PcaLighting > 0 && (PcaEigenvalues.Length != 3 || PcaEigenvectors.Length != 3 || PcaEigenvectors.Any(row => row.Length != 3)))
            throw new ArgumentException("PCA lighting needs 3 eigenvalues and a 3x3 eigenvector matrix.");
        int size = sampleShape.Size;
        var scratch = new float[size];
        for (int i = 0; i < batch; i++)
        {
            var random = new RandomStream(RandomStream.Combine(seed, (ulong)i));
            var sample = features.Slice(i * size, size);
            int dy = CropPadding > 0 ? random.NextInt(2 * CropPadding + 1) - CropPadding : 0;
            int dx = CropPadding > 0 ? random.NextInt(2 * CropPadding + 1) - CropPadding : 0;
            bool flip = HorizontalFlip && random.NextFloat() < 0.5f;
            float angle = RotationDegrees > 0 ? RotationDegrees * (2f * random.NextFloat() - 1f) : 0f;
            float zoom = Scale > 0 ? 1f + Scale * (2f * random.NextFloat() - 1f) : 1f;
            if (angle != 0f || zoom != 1f)
            {
                sample.CopyTo(scratch);
                Affine(scratch, sample, sampleShape, angle, zoom, dy, dx, flip);
            }
            else if (dy != 0 || dx != 0 || flip)
            {
                sample.CopyTo(scratch);
                Shift(scratch, sample, sampleShape, dy, dx, flip);
            }

            float gain = 1f + Contrast * (2f * random.NextFloat() - 1f), shift = Brightness * (2f * random.NextFloat() - 1f);
            if (gain != 1f || shift != 0f || NoiseStd > 0f)
                for (int j = 0; j < size; j++)
                    sample[j] = sample[j] * gain + shift + (NoiseStd > 0f ? NoiseStd * (float)random.NextGaussian() : 0f);
            if (PcaLighting > 0) AddLighting(sample, sampleShape, random);
        }
    }

    /// <summary>destination(y, x) = source(y + dy, x' + dx) with x' = x or its mirror; zero outside.</summary>
    /// <param name="source">(C, H, W)</param>
    /// <param name="destination">(C, H, W), overwritten</param>
    public static void Shift(ReadOnlySpan<float> source, Span<float> destination, Shape sampleShape, int dy, int dx, bool flip)
    {
        int c = sampleShape[0], h = sampleShape[1], w = sampleShape[2];
        for (int ch = 0; ch < c; ch++)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    int sy = y + dy, sx = (flip ? w - 1 - x : x) + dx;
                    destination[(ch * h + y) * w + x] = (uint)sy < (uint)h && (uint)sx < (uint)w ? source[(ch * h + sy) * w + sx] : 0f;
                }
    }

    /// <summary>
    /// Rotates by <paramref name="degrees"/> (counter-clockwise as displayed, y down) and zooms by <paramref name="zoom"/>
    /// about the centre, after the shift and flip of <see cref="Shift"/>: each output pixel samples the source
    /// bilinearly at the inverse-mapped point; zero outside.
    /// </summary>
    /// <param name="source">(C, H, W)</param>
    /// <param name="destination">(C, H, W), overwritten</param>
    public static void Affine(ReadOnlySpan<float> source, Span<float> destination, Shape sampleShape, float degrees, float zoom, int dy, int dx, bool flip)
    {
        int c = sampleShape[0], h = sampleShape[1], w = sampleShape[2];
        double radians = degrees * Math.PI / 180, cos = Math.Cos(radians) / zoom, sin = Math.Sin(radians) / zoom;
        double cy = (h - 1) / 2.0, cx = (w - 1) / 2.0;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                double oy = y - cy, ox = x - cx;
                double sy = cy + cos * oy + sin * ox + dy;
                double sxUnflipped = cx - sin * oy + cos * ox;
                double sx = (flip ? w - 1 - sxUnflipped : sxUnflipped) + dx;
                int y0 = (int)Math.Floor(sy), x0 = (int)Math.Floor(sx);
                float fy = (float)(sy - y0), fx = (float)(sx - x0);
                for (int ch = 0; ch < c; ch++)
                    destination[(ch * h + y) * w + x] = BilinearSampling.Sample(source.Slice(ch * h * w, h * w), h, w, y0, x0, fy, fx);
            }
    }

    private void AddLighting(Span<float> sample, Shape sampleShape, RandomStream random)
    {
        int plane = sampleShape[1] * sampleShape[2];
        Span<float> rgb = stackalloc float[3];
        Span<float> alpha = stackalloc float[3];
        for (int i = 0; i < 3; i++) alpha[i] = PcaLighting * (float)random.NextGaussian() * PcaEigenvalues[i];
        for (int channel = 0; channel < 3; channel++)
        {
            rgb[channel] = 0;
            for (int i = 0; i < 3; i++) rgb[channel] += PcaEigenvectors[channel][i] * alpha[i];
            var values = sample.Slice(channel * plane, plane);
            for (int j = 0; j < plane; j++) values[j] += rgb[channel];
        }
    }
}
