namespace MlNetConv.Samples.MnistLeNet;

/// <summary>What the model predicts for one digit.</summary>
public sealed class ModelOutput
{
    /// <summary>The predicted digit (the key mapped back to its value).</summary>
    public uint PredictedLabel { get; set; }

    /// <summary>Probability of each class, in the order of the label's key values.</summary>
    public float[] Score { get; set; } = [];
}
