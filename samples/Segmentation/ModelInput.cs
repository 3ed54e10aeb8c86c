using Microsoft.ML.Data;

namespace MlNetConv.Samples.Segmentation;

/// <summary>A 64x64 scene of real MNIST digits and its mask: per pixel 0 (background) or 1 + the digit.</summary>
public sealed class SceneInput
{
    [VectorType(1, 64, 64)]
    public float[] Features { get; set; } = [];

    [VectorType(64 * 64)]
    public float[] Label { get; set; } = [];
}

/// <summary>A single 28x28 digit, to teach the FCN's backbone to recognise digits first.</summary>
public sealed class DigitInput
{
    public uint Label { get; set; }

    [VectorType(1, 28, 28)]
    public float[] Features { get; set; } = [];
}

/// <summary>What the segmentation model predicts for a scene.</summary>
public sealed class SceneOutput
{
    public uint[] PredictedMask { get; set; } = [];
}
