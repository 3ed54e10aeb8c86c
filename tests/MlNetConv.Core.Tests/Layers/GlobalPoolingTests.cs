using MlNetConv.Layers;
using MlNetConv.Tensors;
using MlNetConv.Tests.Support;

namespace MlNetConv.Tests.Layers;

/// <summary>Global average and max pooling: (N, C, spatial...) -> (N, C).</summary>
public sealed class GlobalPoolingTests
{
    private static readonly LayerCases Cases = new(
        new("avg_2d", () => new GlobalAvgPool(), new Shape(2, 3, 4, 4), new Shape(2, 3)),
        new("avg_1d", () => new GlobalAvgPool(), new Shape(2, 3, 5), new Shape(2, 3)),
        new("avg_3d_batch1", () => new GlobalAvgPool(), new Shape(1, 2, 3, 3, 3), new Shape(1, 2)),
        new("avg_odd_7x5", () => new GlobalAvgPool(), new Shape(3, 2, 7, 5), new Shape(3, 2)),
        new("max_2d", () => new GlobalMaxPool(), new Shape(2, 3, 4, 4), new Shape(2, 3), Options: GradientCheckOptions.DistinctInputs),
        new("max_1d", () => new GlobalMaxPool(), new Shape(2, 3, 5), new Shape(2, 3), Options: GradientCheckOptions.DistinctInputs),
        new("max_3d_batch1", () => new GlobalMaxPool(), new Shape(1, 2, 3, 3, 3), new Shape(1, 2), Options: GradientCheckOptions.DistinctInputs));

    public static TheoryData<string> Names => Cases.Names;

    [Theory, MemberData(nameof(Names))]
    public void GradientsMatchFiniteDifferences(string name) => Cases[name].AssertGradients();

    [Theory, MemberData(nameof(Names))]
    public void ShapesAndParameters(string name) => Cases[name].AssertShapes();
}
