// One MNIST digit as the consumer apps of consume.sh see it; copied into both apps.
using Microsoft.ML.Data;
using MlNetConv.Data;

namespace Consumer;

public sealed class Digit
{
    public uint Label { get; set; }

    [VectorType(1, 28, 28)]
    public float[] Features { get; set; } = [];

    /// <summary>Digits start..start+count of the repository's real MNIST file, pixels scaled to [0, 1].</summary>
    public static List<Digit> Read(MnistDigits digits, int start, int count)
    {
        var rows = new List<Digit>(count);
        for (int i = start; i < start + count; i++)
        {
            var pixels = new float[MnistDigits.PixelsPerImage];
            digits.CopyImage(i, pixels);
            rows.Add(new Digit { Label = (uint)digits.Label(i), Features = pixels });
        }
        return rows;
    }
}

public sealed class DigitPrediction
{
    public uint PredictedLabel { get; set; }
    public float[] Score { get; set; } = [];
}

/// <summary>The rows both apps score: the last 500 of the 10,000 digits, never trained on.</summary>
public static class Split
{
    public const int TrainCount = 3000, TestStart = 9500, TestCount = 500;
    public const double MinAccuracy = 0.90;
}
