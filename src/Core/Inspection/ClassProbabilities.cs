namespace MlNetConv.Inspection;

/// <summary>A classifier's class probabilities from its output: the output itself after a softmax layer, else its softmax.</summary>
public static class ClassProbabilities
{
    /// <param name="output">one sample's scores, one per class</param>
    /// <param name="isSoftmax">whether the network's last layer is a softmax already</param>
    public static float[] Of(ReadOnlySpan<float> output, bool isSoftmax)
    {
        if (isSoftmax) return output.ToArray();
        float max = float.NegativeInfinity;
        foreach (float v in output) max = Math.Max(max, v);
        var probabilities = new float[output.Length];
        float sum = 0;
        for (int i = 0; i < output.Length; i++) sum += probabilities[i] = MathF.Exp(output[i] - max);
        for (int i = 0; i < probabilities.Length; i++) probabilities[i] /= sum;
        return probabilities;
    }
}
