using Microsoft.ML.Data;

namespace MlNetConv.Samples.MnistLeNet;

/// <summary>One digit: its class and its 28x28 grey pixels in [0, 1], planar (C, H, W) like ExtractPixels.</summary>
public sealed class ModelInput
{
    public uint Label { get; set; }

    [VectorType(1, 28, 28)]
    public float[] Features { get; set; } = [];
}
