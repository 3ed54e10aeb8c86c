using MlNetConv.Graphs;
using MlNetConv.Init;
using MlNetConv.Layers;
using MlNetConv.Tensors;
using MlNetConv.Zoo;

namespace MlNetConv.Core.Tests.Persistence;

public class InitializerPersistenceTests
{
    private static float[][] Weights(ILayer architecture, Shape sample)
    {
        using var network = new Network(architecture, sample, seed: 4);
        return [.. network.Parameters.Select(p => p.Value.ToArray())];
    }

    [Fact]
    public void ACopyOfAnArchitectureStartsFromTheSameInitializers()
    {
        // FCN-8s: bilinear transposed convolutions and zeroed skip scores.
        var sample = new Shape(1, 32, 32);
        Assert.Equal(Weights(Architectures.Fcn8s(3, 18, 4), sample), Weights(Architectures.Clone(Architectures.Fcn8s(3, 18, 4)), sample));

        var custom = new NetworkBuilder().Add(new Conv2d(4, 3) { WeightInit = Initializers.Gaussian(0, 0.01f), BiasInit = Initializers.Constant(1) })
            .Add(new Flatten()).Add(new Dense(2) { WeightInit = Initializers.KaimingNormal() }).Build();
        var copy = Architectures.Clone(custom);
        Assert.Equal(Weights(custom, new Shape(1, 5, 5)), Weights(copy, new Shape(1, 5, 5)));
        var bias = Weights(copy, new Shape(1, 5, 5))[1];
        Assert.All(bias, b => Assert.Equal(1f, b));
    }

    [Fact]
    public void EveryBuiltInInitializerRoundTripsThroughJson()
    {
        IInitializer[] all =
        [
            Initializers.KaimingNormal(), Initializers.KaimingUniform(), Initializers.GlorotUniform(), Initializers.GlorotNormal(),
            Initializers.LeCunNormal(), Initializers.LeCunUniform(), Initializers.PyTorchDefault(), Initializers.Gaussian(0.5f, 0.1f),
            Initializers.Constant(3), Initializers.Zeros(), Initializers.Ones(), Initializers.Bilinear(),
        ];
        foreach (var initializer in all) Assert.Equal(initializer, Initializers.FromJson(Initializers.ToJson(initializer)!));
        Assert.Throws<InvalidDataException>(() => Initializers.FromJson(new System.Text.Json.Nodes.JsonObject { ["kind"] = "mystery" }));
    }
}
