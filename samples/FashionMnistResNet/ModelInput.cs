using Microsoft.ML.Data;

namespace MlNetConv.Samples.FashionMnistResNet;

/// <summary>One Fashion-MNIST article: its class (0..9) and its 28x28 grey pixels in [0, 1].</summary>
public sealed class ModelInput
{
    public uint Label { get; set; }

    [VectorType(1, 28, 28)]
    public float[] Features { get; set; } = [];
}

/// <summary>What the model predicts for one article.</summary>
public sealed class ModelOutput
{
    public uint PredictedLabel { get; set; }
    public float[] Score { get; set; } = [];
}
