using MlNetConv.Geometry;
using MlNetConv.Graphs;
using MlNetConv.Summary;
using MlNetConv.Tensors;

namespace MlNetConv.Tests.Summary;

/// <summary>The summary of layers whose kernel, stride and dilation differ per axis: receptive fields grow per axis.</summary>
public sealed class PerAxisSummaryTests
{
    [Fact]
    public void InceptionFactorisedConvolutions_GrowTheFieldAlongTheirOwnAxis()
    {
        // r_out = r_in + (k_eff - 1)·j_in per axis; j_out = j_in·s.
        var root = new NetworkBuilder()
            .Conv2d(4, (1, 7), padding: (0, 3), name: "conv1x7")                                // field (1, 7), jump (1, 1)
            .Conv2d(4, (7, 1), (2, 1), Padding.FromPads(3, 0, 2, 0), name: "conv7x1")           // field (7, 7), jump (2, 1)
            .MaxPool2d((3, 2), (2, 2), Padding.FromPads(1, 0, 0, 1), dilation: (1, 2), name: "pool") // field (7 + 2·2, 7 + 2·1), jump (4, 2)
            .LPPool2d(2, (1, 3), (1, 1), name: "lp")                                            // field (11, 9 + 2·2)
            .Build();
        var summary = ModelSummary.Of(root, new Shape(2, 16, 17));

        Assert.Equal(new Int3(1, 1, 7), summary["conv1x7"].ReceptiveField);
        Assert.Equal(new Int3(1, 7, 7), summary["conv7x1"].ReceptiveField);
        Assert.Equal(new Int3(1, 11, 9), summary["pool"].ReceptiveField);
        Assert.Equal(new Int3(1, 11, 13), summary["lp"].ReceptiveField);
        // conv7x1: (16 + 5 - 7) / 2 + 1 = 8 rows; 8·17 positions · 4 outputs · 4 inputs · 7 taps.
        Assert.Equal(new Shape(1, 4, 8, 17), summary["conv7x1"].OutputShape.WithBatch(1));
        Assert.Equal(8L * 17 * 4 * 4 * 7, summary["conv7x1"].MultiplyAccumulates);
        Assert.Contains("Conv2d(4, 4, kernel_size=(7, 1), stride=(2, 1), padding=((3, 2), (0, 0)))", summary.ToString());
    }
}
