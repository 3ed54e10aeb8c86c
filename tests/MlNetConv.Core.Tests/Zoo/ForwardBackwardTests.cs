using MlNetConv.Backends.Cpu;
using MlNetConv.Graphs;
using MlNetConv.Losses;
using MlNetConv.Tensors;

namespace MlNetConv.Tests.Zoo;

/// <summary>
/// Every architecture builds, runs a training step's forward and backward pass on a small input and sends a finite,
/// non-zero gradient to every weight.
/// </summary>
public sealed class ForwardBackwardTests
{
    public static TheoryData<string> Names => new(ZooCases.Names);

    [Theory, MemberData(nameof(Names))]
    public void EveryWeightGetsAFiniteNonZeroGradient(string name)
    {
        var zooCase = ZooCases.Get(name);
        var backend = new CpuBackend();
        using var network = new Network(zooCase.Create(), zooCase.Input, backend, seed: 1);
        var input = backend.Allocate(network.InputShape.WithBatch(zooCase.Batch));
        var random = new RandomStream(2);
        input.CopyFrom(Enumerable.Range(0, input.Size).Select(_ => random.NextFloat() * 2 - 1).ToArray());
        var labels = backend.AllocateIndices(new Shape(zooCase.Batch));
        backend.UploadIndices(Enumerable.Range(0, zooCase.Batch).Select(i => i % ZooCases.Classes).ToArray(), labels);

        network.SetStepSeed(3, 0);
        var outputs = network.ForwardAll(input, training: true);
        Assert.All(outputs, o => Assert.Equal(new Shape(zooCase.Batch, ZooCases.Classes), o.Shape));
        // The main output plus 0.3 of each auxiliary head (GoogLeNet), as in the paper.
        var loss = new WeightedSumLoss(outputs.Select((_, i) => ((ILoss)new SoftmaxCrossEntropyLoss(), i == 0 ? 1f : 0.3f)).ToArray());
        var (value, gradients) = loss.Compute(outputs, new Targets(labels));
        Assert.True(double.IsFinite(value), $"loss {value}");
        network.ZeroGrad();
        network.BackwardAll(gradients);

        foreach (var p in network.TrainableParameters)
        {
            var grad = p.Grad!.ToArray();
            Assert.True(grad.All(float.IsFinite), $"{p.Name}: non-finite gradient");
            Assert.True(grad.Any(g => g != 0f), $"{p.Name}: zero gradient");
        }
    }
}
