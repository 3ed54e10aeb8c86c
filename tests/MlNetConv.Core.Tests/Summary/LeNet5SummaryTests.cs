using MlNetConv.Graphs;
using MlNetConv.Summary;
using MlNetConv.Tensors;
using MlNetConv.Zoo;

namespace MlNetConv.Tests.Summary;

public class LeNet5SummaryTests
{
    [Theory]
    // The lecture's table (LeCun et al. 1998): parameters / connections per layer.
    [InlineData("C1", 156, 122_304)]
    [InlineData("S2", 12, 5_880)]
    [InlineData("C3", 1_516, 151_600)]
    [InlineData("S4", 32, 2_000)]
    [InlineData("C5", 48_120, 48_120)]
    [InlineData("F6", 10_164, 10_164)]
    public void ClassicLeNet5ReproducesThePapersTable(string layer, long parameters, long connections)
    {
        using var network = new Network(Architectures.LeNet5Classic(), new Shape(1, 32, 32));
        var row = ModelSummary.Of(network)[layer];
        Assert.Equal(parameters, row.Parameters);
        Assert.Equal(connections, row.Connections);
    }

    [Fact]
    public void ClassicLeNet5OutputShapesAndReceptiveFields()
    {
        using var network = new Network(Architectures.LeNet5Classic(), new Shape(1, 32, 32));
        var summary = ModelSummary.Of(network);
        Assert.Equal(new Shape(1, 6, 28, 28), summary["C1"].OutputShape);
        Assert.Equal(new Shape(1, 16, 10, 10), summary["C3"].OutputShape);
        Assert.Equal(new Shape(1, 120, 1, 1), summary["C5"].OutputShape);
        // C1 sees 5x5, S2 6x6, C3 6 + 4*2 = 14, S4 16, C5 16 + 4*4 = 32: C5 sees the whole 32x32 input.
        Assert.Equal(14, summary["C3"].ReceptiveField.H);
        Assert.Equal(32, summary["C5"].ReceptiveField.W);
        // 60 weights-per-connection kernels of 25 plus 16 biases
        Assert.Equal(60 * 25 + 16, network["C3.weight"].Size + network["C3.bias"].Size);
    }

    [Fact]
    public void TotalsAndPrintedTableEndWithParamsAndMacs()
    {
        using var network = new Network(Architectures.LeNet5(), new Shape(1, 28, 28));
        var summary = ModelSummary.Of(network);
        Assert.Equal(network.ParameterCount, summary.TotalParameters);
        Assert.Equal(61_706, summary.TotalParameters);
        // conv1 28*28*6*25 + conv2 10*10*16*150 + 400*120 + 120*84 + 84*10
        Assert.Equal(117_600 + 240_000 + 48_000 + 10_080 + 840, summary.TotalMultiplyAccumulates);
        var lines = summary.ToString().Split('\n');
        Assert.Equal("total params: 61706", lines[^2]);
        Assert.Equal("total macs: 416520", lines[^1]);
    }

    [Fact]
    public void NestedBlocksAreNamedByTheirPath()
    {
        var architecture = new NetworkBuilder()
            .Conv2d(4, 3, padding: 1, name: "stem")
            .Block("layer1", b => b.Residual(m => m.Conv2d(4, 3, padding: 1, name: "conv1").ReLU(name: "relu").Conv2d(4, 3, padding: 1, name: "conv2"), name: "0"))
            .GlobalAvgPool(name: "pool").Dense(3, name: "fc").Build();
        using var network = new Network(architecture, new Shape(2, 6, 6));
        Assert.Contains(network.Parameters, p => p.Name == "layer1.0.main.conv1.weight");
        var summary = ModelSummary.Of(network);
        Assert.Equal(new Shape(1, 4, 6, 6), summary["layer1.0.add"].OutputShape);
        // stem 3x3, then two 3x3 convolutions: 3 + 2 + 2 = 7
        Assert.Equal(7, summary["layer1.0.add"].ReceptiveField.H);
    }
}
