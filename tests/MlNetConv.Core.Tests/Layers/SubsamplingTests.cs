using MlNetConv.Layers;
using MlNetConv.Tensors;
using MlNetConv.Tests.Support;

namespace MlNetConv.Tests.Layers;

/// <summary>LeNet-5's trainable subsampling: one coefficient and one bias per map.</summary>
public sealed class SubsamplingTests
{
    // Input (N, C, H, W) -> output (N, C, H/k, W/k); weights 2·C.
    private static readonly LayerCases Cases = new(
        new("2x2", () => new Subsampling2d(), new Shape(2, 3, 6, 6), new Shape(2, 3, 3, 3), 2 * 3),
        new("3x3_batch1", () => new Subsampling2d(3), new Shape(1, 2, 6, 6), new Shape(1, 2, 2, 2), 2 * 2),
        new("2x2_odd_drops_last_row", () => new Subsampling2d(2), new Shape(2, 2, 7, 5), new Shape(2, 2, 3, 2), 2 * 2),
        new("lenet_s2_batch3", () => new Subsampling2d(2), new Shape(3, 6, 4, 4), new Shape(3, 6, 2, 2), 2 * 6));

    public static TheoryData<string> Names => Cases.Names;

    [Theory, MemberData(nameof(Names))]
    public void GradientsMatchFiniteDifferences(string name) => Cases[name].AssertGradients();

    [Theory, MemberData(nameof(Names))]
    public void ShapesAndParameters(string name) => Cases[name].AssertShapes();
}
