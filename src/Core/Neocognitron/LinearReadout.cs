using MlNetConv.Graphs;
using MlNetConv.Layers;
using MlNetConv.Tensors;
using MlNetConv.Training;

namespace MlNetConv.Neocognitron;

/// <summary>
/// The third top-layer readout: a linear layer (<see cref="Dense"/>, softmax cross-entropy) trained by the engine's
/// <see cref="Trainer"/> on the frozen features of a learned neocognitron, then joined to it: one network from pixels
/// to class scores, <c>ug</c> … <c>ucL</c>, <c>flatten</c>, <c>readout</c>, that saves, loads and summarises as one.
/// Only the readout learns by gradients; the neocognitron below is not touched.
/// </summary>
public static class LinearReadout
{
    /// <summary>Adam at 0.003 for 30 epochs of 64, seed 1: enough for a few thousand feature vectors.</summary>
    public static TrainerOptions DefaultOptions { get; } = new()
    {
        Epochs = 30,
        BatchSize = 64,
        Seed = 1,
        Optimizer = new Optimizers.AdamOptions(LearningRate: 0.003f),
    };

    /// <param name="neocognitron">from <see cref="Neocognitron.Learn"/>: a <see cref="Sequential"/> root</param>
    /// <param name="images">(count, 1, H, W)</param>
    /// <param name="labels">(count), each in [0, classes)</param>
    public static Network Train(Network neocognitron, float[] images, int[] labels, int classes, TrainerOptions? options = null)
    {
        if (neocognitron.Root is not Sequential stages)
            throw new ArgumentException($"LinearReadout: expected the Sequential network Neocognitron.Learn returns, got a {neocognitron.Root.TypeName}.");
        if (images.Length != labels.Length * neocognitron.SampleShape.Size)
            throw new ArgumentException($"LinearReadout: {images.Length} pixel values are not {labels.Length} images of {neocognitron.SampleShape}.");
        options ??= DefaultOptions;
        var features = neocognitron.Predict(images);
        var featureShape = new Shape(features.Length / labels.Length);
        using var readout = new Network(new Sequential(new Dense(classes, name: "readout")), featureShape, neocognitron.Backend, options.Seed);
        new Trainer(readout, options).Fit(new InMemoryDataset(features, labels, featureShape));

        var layers = stages.Layers.Select(l => LayerRegistry.ReadLayer(LayerRegistry.ToJson(l)))
            .Append(new Flatten("flatten")).Append(new Dense(classes, name: "readout"));
        var joined = new Network(new Sequential(layers), neocognitron.SampleShape, neocognitron.Backend, options.Seed);
        joined.CopyMatchingParameters(neocognitron);
        joined.CopyMatchingParameters(readout);
        return joined;
    }
}
