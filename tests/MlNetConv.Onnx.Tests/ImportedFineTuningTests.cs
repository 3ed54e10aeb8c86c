using MlNetConv.Graphs;
using MlNetConv.Layers;
using MlNetConv.Optimizers;
using MlNetConv.Tensors;
using MlNetConv.Training;
using MlNetConv.Zoo;

namespace MlNetConv.Onnx.Tests;

/// <summary>
/// Transfer learning from an imported model, as a user does it: the node feeding its classifier found, the graph cut
/// there and given a new head, the imported weights copied by name, the backbone frozen, and the head trained.
/// </summary>
public sealed class ImportedFineTuningTests
{
    public static TheoryData<string, string> Networks => new() { { "resnet18", "avgpool" }, { "lenet5", "relu4" } };

    [Theory, MemberData(nameof(Networks))]
    public void AnImportedClassifier_IsCutAtItsHiddenNode_AndFineTunedWithANewHead(string name, string zooNode)
    {
        var (architecture, sample) = name == "resnet18"
            ? ((ILayer)Architectures.ResNet(18, 10, width: 8), new Shape(3, 32, 32))
            : (Architectures.LeNet5(), new Shape(1, 28, 28));
        using var original = new Network(architecture, sample, seed: 3);
        using var imported = OnnxImport.FromBytes(OnnxExport.ToBytes(original));

        string node = GraphSurgery.LastHiddenNode(imported.Root);
        using var features = new Network(GraphSurgery.CutAt(imported.Root, node), sample);
        Assert.Equal(features.Parameters.Count, features.CopyMatchingParameters(imported).Count);
        using var zooFeatures = new Network(GraphSurgery.CutAt(original.Root, zooNode), sample);
        zooFeatures.CopyMatchingParameters(original);
        var random = new RandomStream(9);
        var input = Enumerable.Range(0, 3 * sample.Size).Select(_ => random.NextFloat() * 2 - 1).ToArray();
        float[] expected = zooFeatures.Predict(input), actual = features.Predict(input);
        Assert.Equal(expected.Length, actual.Length);
        double scale = expected.Max(v => Math.Abs((double)v)), error = expected.Zip(actual).Max(p => Math.Abs((double)p.First - p.Second));
        Assert.True(scale > 0 && error <= 1e-5 * scale, $"{node}: max |difference| {error:G3} of largest {scale:G4}");

        var head = new Dense(3, name: "head");
        using var tuned = new Network(GraphSurgery.Append(GraphSurgery.CutAt(imported.Root, node), new Flatten(), head), sample, seed: 1);
        Assert.Equal(features.Parameters.Count, tuned.CopyMatchingParameters(imported).Count);
        var frozen = tuned.Freeze(node);
        tuned.FreezeBatchNorm();
        Assert.Equal(["head.weight", "head.bias"], tuned.UpdatedParameters.Select(p => p.Name));
        var before = tuned.Parameters.Select(p => p.Value.ToArray()).ToArray();

        var labels = Enumerable.Range(0, 12).Select(i => i % 3).ToArray();
        var images = Enumerable.Range(0, 12 * sample.Size).Select(_ => random.NextFloat() * 2 - 1).ToArray();
        new Trainer(tuned, new TrainerOptions { Epochs = 2, BatchSize = 4, Seed = 1, Optimizer = new SgdOptions(0.01f, 0.9f) })
            .Fit(new InMemoryDataset(images, labels, sample));
        for (int i = 0; i < tuned.Parameters.Count; i++)
        {
            var p = tuned.Parameters[i];
            if (p.Name.StartsWith("head.")) Assert.NotEqual(before[i], p.Value.ToArray());
            else Assert.Equal(before[i], p.Value.ToArray()); // frozen weights, and batch statistics frozen too
        }
        Assert.Equal(tuned.TrainableParameters.Count - 2, frozen.Count);
    }
}
