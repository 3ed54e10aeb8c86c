using Microsoft.ML.Data;
using MlNetConv.Tensors;

namespace MlNetConv.Tests.Shared;

/// <summary>A tiny labelled image set for the ML.NET tests of every backend: 6x6 noisy images of a bar.</summary>
internal static class BarImages
{
    public sealed class Input
    {
        public string Label { get; set; } = "";

        [VectorType(1, 6, 6)]
        public float[] Features { get; set; } = [];
    }

    public sealed class Output
    {
        public string PredictedLabel { get; set; } = "";
        public float[] Score { get; set; } = [];
    }

    public static readonly string[] Classes = ["horizontal", "vertical", "diagonal"];

    /// <summary>6x6 images with a bright bar: horizontal, vertical or diagonal, plus noise.</summary>
    public static List<Input> Bars(int count, ulong seed)
    {
        var random = new RandomStream(seed);
        var rows = new List<Input>();
        for (int i = 0; i < count; i++)
        {
            int label = i % 3, at = 1 + random.NextInt(4);
            var pixels = new float[36];
            for (int y = 0; y < 6; y++)
                for (int x = 0; x < 6; x++)
                    pixels[y * 6 + x] = (label switch { 0 => y == at, 1 => x == at, _ => x == y } ? 1f : 0f) + 0.2f * (float)random.NextGaussian();
            rows.Add(new Input { Label = Classes[label], Features = pixels });
        }
        return rows;
    }
}
