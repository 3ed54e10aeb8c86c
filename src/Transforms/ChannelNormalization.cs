using MlNetConv.Tensors;

namespace MlNetConv.Transforms;

/// <summary>
/// Per-channel normalisation x' = (x - mean[c]) / std[c] of planar (C, spatial...) samples, e.g. ImageNet's statistics.
/// It is part of a trained model: training and scoring apply the same values.
/// </summary>
public sealed record ChannelNormalization(float[] Mean, float[] Std)
{
    /// <summary>MNIST's pixel statistics on [0, 1] inputs.</summary>
    public static ChannelNormalization Mnist { get; } = new([0.1307f], [0.3081f]);

    /// <summary>ImageNet's RGB statistics on [0, 1] inputs (torchvision).</summary>
    public static ChannelNormalization ImageNet { get; } = new([0.485f, 0.456f, 0.406f], [0.229f, 0.224f, 0.225f]);

    /// <summary>Normalises <paramref name="count"/> samples in place.</summary>
    /// <param name="values">count × C × spatial values</param>
    public void Apply(Span<float> values, Shape sampleShape, int count)
    {
        int channels = sampleShape[0], spatial = sampleShape.Size / channels;
        if (Mean.Length != Std.Length || (Mean.Length != 1 && Mean.Length != channels))
            throw new ArgumentException($"Normalisation has {Mean.Length} means and {Std.Length} standard deviations for {channels} channels; give one value or one per channel.");
        if (Std.Any(s => s <= 0)) throw new ArgumentException("Normalisation standard deviations must be positive.");
        for (int i = 0; i < count; i++)
            for (int c = 0; c < channels; c++)
            {
                float mean = Mean[Mean.Length == 1 ? 0 : c], scale = 1f / Std[Std.Length == 1 ? 0 : c];
                foreach (ref float v in values.Slice((i * channels + c) * spatial, spatial)) v = (v - mean) * scale;
            }
    }
}
