using MlNetConv.Graphs;
using MlNetConv.Layers;
using MlNetConv.Tensors;

namespace MlNetConv.Tests.Support;

/// <summary>Batch normalisation far from the identity, so that which statistics a network uses makes a difference.</summary>
public static class BatchNormValues
{
    /// <summary>
    /// Seeded running means in [-0.5, 0.5], running variances in [0.2, 3], weights in [0.5, 1.5] and biases in [-0.3, 0.3]
    /// for every batch-norm layer of the network.
    /// </summary>
    public static void Randomize(Network network, ulong seed)
    {
        var random = new RandomStream(seed, "batch norm");
        float[] Draw(int count, double low, double high) => Enumerable.Range(0, count).Select(_ => (float)(low + (high - low) * random.NextDouble())).ToArray();
        foreach (var norm in Network.Flatten(network.Root).OfType<BatchNorm>())
        {
            int c = norm.RunningMean.Size;
            norm.RunningMean.Value.CopyFrom(Draw(c, -0.5, 0.5));
            norm.RunningVar.Value.CopyFrom(Draw(c, 0.2, 3));
            norm.Weight.Value.CopyFrom(Draw(c, 0.5, 1.5));
            norm.BiasParameter.Value.CopyFrom(Draw(c, -0.3, 0.3));
        }
    }
}
