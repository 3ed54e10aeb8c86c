using Microsoft.ML.Data;

namespace MlNetConv.Samples.DigitService;

/// <summary>What a client sends: a 28x28 grey digit, planar, values in [0, 1]. Label is only there because the saved pipeline maps it.</summary>
public sealed class DigitRequest
{
    public uint Label { get; set; }

    [VectorType(1, 28, 28)]
    public float[] Features { get; set; } = [];
}

/// <summary>What the service answers.</summary>
public sealed class DigitPrediction
{
    public uint PredictedLabel { get; set; }
    public float[] Score { get; set; } = [];
}
