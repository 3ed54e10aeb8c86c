using MlNetConv.Tensors;

namespace MlNetConv.Preprocessing;

/// <summary>
/// Per-channel normalisation x' = (x - mean[c]) / std[c] of planar (C, spatial...) samples, e.g. ImageNet's statistics.
/// It is part of a trained model: training applies it after augmentation and scoring before the network. One value
/// serves every channel.
/// </summary>
public sealed class ChannelNormalization
{
    public ChannelNormalization(float[] mean, float[] std)
    {
        if (mean.Length == 0 || mean.Length != std.Length)
            throw new ArgumentException($"Normalisation needs as many means as standard deviations (at least one), got {mean.Length} and {std.Length}.");
        if (std.Any(s => !(s > 0)) || mean.Any(m => !float.IsFinite(m)))
            throw new ArgumentException("Normalisation means must be finite and standard deviations positive.");
        Mean = (float[])mean.Clone();
        Std = (float[])std.Clone();
    }

    public IReadOnlyList<float> Mean { get; }
    public IReadOnlyList<float> Std { get; }

    /// <summary>MNIST's pixel statistics on [0, 1] inputs.</summary>
    public static ChannelNormalization Mnist { get; } = new([0.1307f], [0.3081f]);

    /// <summary>ImageNet's RGB statistics on [0, 1] inputs (torchvision).</summary>
    public static ChannelNormalization ImageNet { get; } = new([0.485f, 0.456f, 0.406f], [0.229f, 0.224f, 0.225f]);

    /// <summary>Normalises <paramref name="count"/> samples in place.</summary>
    /// <param name="values">count × C × spatial values</param>
    public void Apply(Span<float> values, Shape sampleShape, int count)
    {
        int channels = sampleShape[0], spatial = sampleShape.Size / channels;
        if (Mean.Count != 1 && Mean.Count != channels)
            throw new ArgumentException($"Normalisation has {Mean.Count} channel statistics but the input {sampleShape} has {channels} channels.");
        for (int i = 0; i < count; i++)
            for (int c = 0; c < channels; c++)
            {
                int at = Mean.Count == 1 ? 0 : c;
                float mean = Mean[at], scale = 1f / Std[at];
                foreach (ref float v in values.Slice((i * channels + c) * spatial, spatial)) v = (v - mean) * scale;
            }
    }
}
