using MlNetConv.Tensors;
using MlNetConv.Training;

namespace MlNetConv.Preprocessing;

/// <summary>
/// Seeded per-sample augmentation of raw planar (C, H, W) mini-batches in training (before normalisation): random crop after zero padding,
/// horizontal flip, brightness/contrast jitter and Gaussian noise. Each sample's draws depend only on (seed, sample),
/// so training stays reproducible.
/// </summary>
public sealed record ImageAugmentation : IBatchAugmentation
{
    /// <summary>Zero padding before a random crop back to the original size (4 for CIFAR/Fashion-MNIST style training).</summary>
    public int CropPadding { get; init; }

    public bool HorizontalFlip { get; init; }
    public float Brightness { get; init; }
    public float Contrast { get; init; }
    public float NoiseStd { get; init; }

    public void Apply(Span<float> features, Shape sampleShape, int batch, ulong seed)
    {
        if (sampleShape.Rank != 3) throw new ArgumentException($"Image augmentation needs (C, H, W) samples, got {sampleShape}.");
        int c = sampleShape[0], h = sampleShape[1], w = sampleShape[2], size = sampleShape.Size;
        var scratch = new float[size];
        for (int i = 0; i < batch; i++)
        {
            var random = new RandomStream(RandomStream.Combine(seed, (ulong)i));
            var sample = features.Slice(i * size, size);
            int dy = CropPadding > 0 ? random.NextInt(2 * CropPadding + 1) - CropPadding : 0;
            int dx = CropPadding > 0 ? random.NextInt(2 * CropPadding + 1) - CropPadding : 0;
            bool flip = HorizontalFlip && random.NextFloat() < 0.5f;
            if (dy != 0 || dx != 0 || flip)
            {
                sample.CopyTo(scratch);
                for (int ch = 0; ch < c; ch++)
                    for (int y = 0; y < h; y++)
                        for (int x = 0; x < w; x++)
                        {
                            int sy = y + dy, sx = (flip ? w - 1 - x : x) + dx;
                            sample[(ch * h + y) * w + x] = (uint)sy < (uint)h && (uint)sx < (uint)w ? scratch[(ch * h + sy) * w + sx] : 0f;
                        }
            }
            float gain = 1f + Contrast * (2f * random.NextFloat() - 1f), shift = Brightness * (2f * random.NextFloat() - 1f);
            if (gain != 1f || shift != 0f || NoiseStd > 0f)
                for (int j = 0; j < size; j++)
                    sample[j] = sample[j] * gain + shift + (NoiseStd > 0f ? NoiseStd * (float)random.NextGaussian() : 0f);
        }
    }
}
