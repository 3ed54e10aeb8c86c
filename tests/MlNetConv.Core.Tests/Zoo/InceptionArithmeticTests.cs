using MlNetConv.Geometry;
using MlNetConv.Graphs;
using MlNetConv.Summary;
using MlNetConv.Tensors;

namespace MlNetConv.Tests.Zoo;

/// <summary>
/// The lecture's arithmetic for GoogLeNet's design, read off the summaries of small networks: 1x1 reductions before a
/// 5x5 convolution, and global average pooling instead of a large dense layer.
/// </summary>
public sealed class InceptionArithmeticTests
{
    private static readonly Shape Inception4aInput = new(480, 14, 14);

    [Fact]
    public void A5x5ConvolutionOn480ChannelsCosts112Point9MMultiplies()
    {
        var summary = ModelSummary.Of(new NetworkBuilder().Conv2d(48, 5, padding: Padding.Same, name: "conv5x5").Build(), Inception4aInput);
        // 14·14 outputs x 48 channels x 5·5·480 taps
        Assert.Equal(14L * 14 * 48 * 5 * 5 * 480, summary["conv5x5"].MultiplyAccumulates);
        Assert.Equal(112.9, Millions(summary.TotalMultiplyAccumulates));
    }

    [Fact]
    public void A1x1ReductionTo16ChannelsCutsItTo5Point3M()
    {
        var summary = ModelSummary.Of(new NetworkBuilder()
            .Conv2d(16, 1, name: "reduce")
            .Conv2d(48, 5, padding: Padding.Same, name: "conv5x5")
            .Build(), Inception4aInput);
        Assert.Equal(1.5, Millions(summary["reduce"].MultiplyAccumulates));   // 14·14·16·480
        Assert.Equal(3.8, Millions(summary["conv5x5"].MultiplyAccumulates));  // 14·14·48·5·5·16
        Assert.Equal(5.3, Millions(summary.TotalMultiplyAccumulates));
    }

    [Fact]
    public void GlobalAveragePoolingReplaces51MillionWeightsWithNone()
    {
        var top = new Shape(1024, 7, 7);
        var dense = ModelSummary.Of(new NetworkBuilder().Flatten().Dense(1024, bias: false, name: "fc").Build(), top);
        var pooled = ModelSummary.Of(new NetworkBuilder().GlobalAvgPool("avgpool").Build(), top);
        Assert.Equal(7L * 7 * 1024 * 1024, dense.TotalParameters);
        Assert.Equal(51.4, Millions(dense.TotalParameters));  // 51,380,224: the lecture's "51.3 M", truncated
        Assert.Equal(0, pooled.TotalParameters);
        Assert.Equal(new Shape(1, 1024), pooled["avgpool"].OutputShape);
    }

    private static double Millions(long count) => Math.Round(count / 1e6, 1);
}
