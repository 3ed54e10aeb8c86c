using MlNetConv.Graphs;
using MlNetConv.Layers;
using Xunit.Abstractions;

namespace MlNetConv.Onnx.Tests;

/// <summary>
/// The preprocessing model of the NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18 0.24.0 (ML.NET's TLC export at
/// opset 8, the batch fixed at 1): Split of the input into R, G and B, Concat as B, G, R, Sub of a (1, 3, 224, 224) mean
/// image. The split reads the network's input, so it imports as layers (three Narrows), not as a folded constant.
/// </summary>
public sealed class ResNetPreprocessImportTests(ITestOutputHelper output)
{
    private static readonly string ModelPath = Path.Combine(AppContext.BaseDirectory, "models", "ResNetPreprocess.onnx");

    [Fact]
    public void TwentyColouredDigitsGiveOnnxRuntimesOutputWithin1e4()
    {
        using var network = OnnxImport.Load(ModelPath);
        Assert.Equal([3, 224, 224], network.SampleShape);
        Assert.Equal([1, 3, 224, 224], network.OutputShapes[0]);
        var model = File.ReadAllBytes(ModelPath);
        const int images = 20;
        var (worst, largest) = FixedBatchComparison.Run(network, model, "OriginalInput", i => TestImages.Colour(i), images, batch: 5);
        output.WriteLine($"ResNet preprocessing on {images} coloured digits: max |ours - ONNX Runtime| = {worst:G3}, largest |value| = {largest:G4}");
        Assert.True(largest > 100, "ONNX Runtime's outputs are all small: the comparison would be empty");
        Assert.True(worst <= 1e-4, $"max |ours - ONNX Runtime| = {worst:G3}");
    }

    [Fact]
    public void TheSplitIsThreeNarrowsConcatenatedInReverse()
    {
        using var network = OnnxImport.Load(ModelPath);
        var graph = Assert.IsType<Graph>(network.Root);
        var narrows = graph.Nodes.Select(n => n.Layer).OfType<Narrow>().ToArray();
        Assert.Equal(["RInp", "GInp", "BInp"], narrows.Select(n => n.Name));
        Assert.Equal([0, 1, 2], narrows.Select(n => n.Start));
        var concat = Assert.Single(graph.Nodes, n => n.Merge is Concat);
        Assert.Equal(["BInp", "GInp", "RInp"], concat.Inputs.Select(i => graph.Nodes[i].Name));
        Assert.True(Assert.Single(graph.Nodes.Select(n => n.Layer).OfType<ConstantAffine>()).PerElement);
        Assert.Equal(0, network.ParameterCount);
        var summary = Summary.ModelSummary.Of(network);
        var bgr = Assert.Single(summary.Rows, r => r.Name == "BInp");
        Assert.Equal(("Narrow(dim=1, start=2, length=1)", new Tensors.Shape(1, 1, 224, 224)), (bgr.Layer, bgr.OutputShape));
    }
}
