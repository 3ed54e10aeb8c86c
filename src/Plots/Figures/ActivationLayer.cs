using MlNetConv.Graphs;
using MlNetConv.Tensors;

namespace MlNetConv.Plots;

/// <summary>One layer's output for one image, (C, H, W) values, for <see cref="ActivationMaps"/>.</summary>
/// <param name="Values">(C, H, W)</param>
/// <param name="Shape">(C, H, W); a dense layer's (C) draws as C maps of one value</param>
public sealed record ActivationLayer(string Name, float[] Values, Shape Shape)
{
    /// <summary>
    /// What the node at <paramref name="path"/> (<see cref="NetworkNodes"/>) outputs for one sample, in evaluation mode: the
    /// network cut at the node (<see cref="GraphSurgery.CutAt"/>) with its weights, run once.
    /// </summary>
    /// <param name="sample">(C, H, W) as the network takes it, normalised if it normalises its input</param>
    /// <exception cref="ArgumentException">no node has that path, or the sample is not the network's size</exception>
    public static ActivationLayer Of(Network network, ReadOnlySpan<float> sample, string path)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(path);
        if (sample.Length != network.SampleShape.Size)
            throw new ArgumentException($"The network takes samples of {network.SampleShape} ({network.SampleShape.Size} values), got {sample.Length} values.", nameof(sample));
        NetworkNodes.Find(network, path);
        using var cut = new Network(GraphSurgery.CutAt(network.Root, path), network.SampleShape, network.Backend);
        cut.CopyMatchingParameters(network);
        var output = new Shape([.. cut.OutputShapes[0].Skip(1)]);
        return new ActivationLayer(path, cut.Predict(sample, batchSize: 1), output);
    }
}
