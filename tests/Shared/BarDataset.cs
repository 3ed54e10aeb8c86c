using MlNetConv.Tensors;
using MlNetConv.Training;

namespace MlNetConv.Tests.Shared;

/// <summary>The engine's tiny problem for training tests: 6x6 images with a bright bar, horizontal (class 0), vertical (1) or diagonal (2), plus noise.</summary>
internal static class BarDataset
{
    public static InMemoryDataset Bars(int count, ulong seed)
    {
        var random = new RandomStream(seed);
        var features = new float[count * 36];
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            int label = i % 3, at = 1 + random.NextInt(4);
            labels[i] = label;
            for (int y = 0; y < 6; y++)
                for (int x = 0; x < 6; x++)
                {
                    bool on = label switch { 0 => y == at, 1 => x == at, _ => x == y };
                    features[i * 36 + y * 6 + x] = (on ? 1f : 0f) + 0.2f * (float)random.NextGaussian();
                }
        }
        return new InMemoryDataset(features, labels, new Shape(1, 6, 6));
    }
}
