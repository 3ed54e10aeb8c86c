using MlNetConv.Graphs;
using MlNetConv.Layers;
using MlNetConv.Tensors;

namespace MlNetConv.Tests.Support;

/// <summary>Treats a leaf layer and a graph alike: every output forward, one gradient per output backward.</summary>
public static class LayerTree
{
    /// <summary>All outputs: a graph's in order, else the layer's one.</summary>
    public static IReadOnlyList<Tensor> ForwardAll(ILayer layer, Tensor input, bool training) =>
        layer is Graph g ? g.ForwardAll(input, training) : [layer.Forward(input, training)];

    /// <summary>Backpropagates one gradient per output; returns the input gradient.</summary>
    public static Tensor? BackwardAll(ILayer layer, IReadOnlyList<Tensor?> outputGrads) =>
        layer is Graph g ? g.BackwardAll(outputGrads) : layer.Backward(outputGrads.Single()!);

    /// <summary>The output shapes of a built layer or graph (batch as built).</summary>
    public static IReadOnlyList<Shape> OutputShapes(ILayer layer) => layer is Graph g ? g.OutputShapes : [layer.OutputShape];

    public static IReadOnlyList<IStochasticLayer> StochasticLayers(ILayer root) => Network.Flatten(root).OfType<IStochasticLayer>().ToArray();

    /// <summary>The leaf layer that owns each parameter of a built tree.</summary>
    public static IReadOnlyDictionary<Parameter, ILayer> Owners(ILayer root) =>
        Network.Flatten(root).Where(l => l.Children.Count == 0).SelectMany(l => l.Parameters.Select(p => (p, l))).ToDictionary(x => x.p, x => x.l);
}
