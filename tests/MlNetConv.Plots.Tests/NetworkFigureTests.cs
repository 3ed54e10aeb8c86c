using MlNetConv.Graphs;

namespace MlNetConv.Plots.Tests;

/// <summary>Figures read from a network: a convolution's filters and a node's activations for one sample.</summary>
public sealed class NetworkFigureTests : IDisposable
{
    private readonly Network _network = new(new NetworkBuilder()
        .Conv2d(2, 3, name: "conv1").ReLU("relu1").MaxPool2d(2, name: "pool1").Flatten().Dense(3, name: "fc").Build(),
        new Tensors.Shape(1, 6, 6), seed: 7);

    public void Dispose() => _network.Dispose();

    private static float[] Sample() => [.. Enumerable.Range(0, 36).Select(i => (float)Math.Sin(i * 0.7))];

    [Fact]
    public void Activations_of_a_node_are_its_output_for_the_sample()
    {
        var sample = Sample();
        var conv = ActivationLayer.Of(_network, sample, "conv1");
        Assert.Equal(new Tensors.Shape(2, 4, 4), conv.Shape);
        var weight = _network["conv1.weight"].Value.ToArray();
        var bias = _network["conv1.bias"].Value.ToArray();
        for (int c = 0; c < 2; c++)
            for (int y = 0; y < 4; y++)
                for (int x = 0; x < 4; x++)
                {
                    double sum = bias[c];
                    for (int i = 0; i < 3; i++)
                        for (int j = 0; j < 3; j++) sum += weight[c * 9 + i * 3 + j] * sample[(y + i) * 6 + x + j];
                    Assert.Equal(sum, conv.Values[c * 16 + y * 4 + x], 4);
                }
        var relu = ActivationLayer.Of(_network, sample, "relu1");
        Assert.Equal(conv.Values.Select(v => Math.Max(0, v)), relu.Values);
        Assert.Equal(new Tensors.Shape(2, 2, 2), ActivationLayer.Of(_network, sample, "pool1").Shape);
        Assert.Contains("conv1, relu1", Assert.Throws<ArgumentException>(() => ActivationLayer.Of(_network, sample, "conv9")).Message);
        Assert.Throws<ArgumentException>(() => ActivationLayer.Of(_network, new float[5], "conv1"));
    }

    [Fact]
    public void Filters_are_the_first_convolutions_weights_unless_named()
    {
        var grid = FilterGrid.Of(_network);
        Assert.Equal("conv1", grid.Title);
        Assert.Equal(new Tensors.Shape(2, 1, 3, 3), grid.Shape);
        Assert.Equal(_network["conv1.weight"].Value.ToArray(), grid.Weights);
        Assert.Equal(grid.Weights, FilterGrid.Of(_network, "conv1").Weights);
        Assert.Contains("not a convolution", Assert.Throws<ArgumentException>(() => FilterGrid.Of(_network, "fc")).Message);
        Assert.Contains("no layer 'nope'", Assert.Throws<ArgumentException>(() => FilterGrid.Of(_network, "nope")).Message);
    }
}
