using MlNetConv.Graphs;
using MlNetConv.Persistence;
using MlNetConv.Tensors;

namespace MlNetConv.Fuzz;

/// <summary>
/// The engine's model file (<see cref="ModelFile"/>) of a small CNN with batch norm: damaged bytes (which the checksum
/// catches), and forgeries re-sealed with a valid checksum: edited architecture JSON, broken JSON text, damaged tensors.
/// </summary>
public sealed class ModelFileTarget : FuzzTarget
{
    private readonly float[] _input = [.. Enumerable.Range(0, 2 * 3 * 12 * 12).Select(i => MathF.Sin(i * 0.37f))];
    private readonly float[] _expected;

    public ModelFileTarget()
    {
        using var network = new Network(new NetworkBuilder()
            .Conv2d(8, 3, padding: 1, name: "conv1").BatchNorm2d(name: "bn1").ReLU().MaxPool2d(2)
            .Conv2d(8, 3, padding: 1, name: "conv2").ReLU().MaxPool2d(2, ceilMode: true).Flatten().Dropout(0.2f).Dense(5, name: "fc").Build(),
            new Shape(3, 12, 12), seed: 11);
        using (var batch = network.Backend.Allocate(new Shape(2, 3, 12, 12)))
        {
            batch.CopyFrom(_input);
            network.Forward(batch, training: true);   // running statistics away from their start
        }
        Original = ModelFile.ToBytes(network);
        _expected = network.Predict(_input);
    }

    public override string Name => "model-file";
    public override byte[] Original { get; }

    public override byte[] Mutate(Random random) => random.Next(10) switch
    {
        < 4 => Mutations.ForgedArchitecture(Original, random),
        < 7 => Mutations.ForgedBody(Original, random),
        < 8 => Mutations.ForgedArchitectureText(Original, random),
        _ => Mutations.AnyBytes(Original, random),
    };

    public override bool ReadsAsOriginal(byte[] bytes)
    {
        var (network, _) = ModelFile.FromBytes(bytes);
        using (network)
            return network.SampleShape == new Shape(3, 12, 12) && network.Predict(_input).AsSpan().SequenceEqual(_expected);
    }
}
