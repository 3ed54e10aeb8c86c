using MlNetConv.Graphs;
using MlNetConv.Layers;
using MlNetConv.Tensors;

namespace MlNetConv.Tests.Support;

/// <summary>A layer read back from its saved form (LayerRegistry JSON) has the same configuration, shapes and outputs.</summary>
public static class LayerRoundTrip
{
    /// <param name="sample">(C, spatial...) of one sample</param>
    public static void AssertSameLayer(ILayer original, Shape sample)
    {
        string json = LayerRegistry.ToJson(original).ToJsonString();
        var copy = LayerRegistry.ReadLayer(LayerRegistry.ToJson(original));

        Assert.Equal(json, LayerRegistry.ToJson(copy).ToJsonString());
        using var a = new Network(original, sample, seed: 5);
        using var b = new Network(copy, sample, seed: 5);
        Assert.Equal(a.Parameters.Select(p => (p.Name, p.Shape)), b.Parameters.Select(p => (p.Name, p.Shape)));
        Assert.Equal(a.OutputShapes, b.OutputShapes);
        var input = Enumerable.Range(0, 2 * sample.Size).Select(i => MathF.Sin(0.7f * i)).ToArray();
        Assert.Equal(a.Predict(input), b.Predict(input));
        Assert.Equal(original.ToString(), copy.ToString());
    }
}
