using MlNetConv.Tensors;

namespace MlNetConv.Optimizers;

/// <summary>
/// Factors on an optimizer's learning rate by parameter name (PyTorch's parameter groups in their usual use: a backbone
/// at a tenth of the head's rate). A parameter the map does not name keeps factor 1; 0 keeps it where it is while its
/// optimizer state still follows its gradient.
/// </summary>
internal static class LearningRateScales
{
    /// <summary>The factor of each of <paramref name="parameters"/>, in order.</summary>
    /// <exception cref="ArgumentException">a factor is negative or not finite, or a name is none of the parameters</exception>
    public static float[] For(IReadOnlyList<Parameter> parameters, IReadOnlyDictionary<string, float>? scales, string optimizer)
    {
        var factors = new float[parameters.Count];
        Array.Fill(factors, 1f);
        if (scales is null) return factors;
        var index = new Dictionary<string, int>();
        for (int i = 0; i < parameters.Count; i++) index.TryAdd(parameters[i].Name, i);
        foreach (var (name, scale) in scales)
        {
            Check(name, scale);
            if (!index.TryGetValue(name, out int i))
                throw new ArgumentException($"{optimizer}: the learning-rate scales name '{name}', which is none of the parameters it updates.");
            factors[i] = scale;
        }
        return factors;
    }

    public static void Check(string name, float scale)
    {
        if (!(scale >= 0f && float.IsFinite(scale)))
            throw new ArgumentException($"The learning-rate scale of '{name}' must be finite and at least 0, got {scale}.");
    }
}
