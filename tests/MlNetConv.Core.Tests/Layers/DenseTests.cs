using MlNetConv.Backends.Cpu;
using MlNetConv.Graphs;
using MlNetConv.Layers;
using MlNetConv.Tensors;
using MlNetConv.Tests.Support;

namespace MlNetConv.Tests.Layers;

/// <summary>Dense and Flatten: shapes, weight counts and finite-difference gradients.</summary>
public sealed class DenseTests
{
    // Input (N, features) -> output (N, outFeatures); weights out·in + bias.
    private static readonly LayerCases DenseCases = new(
        new("batch1", () => new Dense(5), new Shape(1, 7), new Shape(1, 5), 5 * 7 + 5),
        new("batch4", () => new Dense(3), new Shape(4, 6), new Shape(4, 3), 3 * 6 + 3),
        new("batch4_nobias", () => new Dense(4, bias: false), new Shape(4, 6), new Shape(4, 4), 4 * 6),
        new("batch1_nobias_single_output", () => new Dense(1, bias: false), new Shape(1, 9), new Shape(1, 1), 9),
        new("wide_batch3", () => new Dense(10), new Shape(3, 40), new Shape(3, 10), 10 * 40 + 10));

    // Input (N, C, spatial...) -> output (N, C·spatial).
    private static readonly LayerCases FlattenCases = new(
        new("nchw", () => new Flatten(), new Shape(2, 3, 4, 5), new Shape(2, 60)),
        new("ncl", () => new Flatten(), new Shape(3, 2, 5), new Shape(3, 10)),
        new("ncdhw_batch1", () => new Flatten(), new Shape(1, 2, 2, 3, 2), new Shape(1, 24)),
        new("nc_identity", () => new Flatten(), new Shape(2, 5), new Shape(2, 5)),
        // LeNet's tail: feature maps, flattened, into a dense layer.
        new("then_dense", () => new Sequential(new Flatten(), new Dense(3)), new Shape(2, 2, 3, 3), new Shape(2, 3), 18 * 3 + 3));

    public static TheoryData<string> DenseNames => DenseCases.Names;
    public static TheoryData<string> FlattenNames => FlattenCases.Names;

    [Theory, MemberData(nameof(DenseNames))]
    public void Dense_GradientsMatchFiniteDifferences(string name) => DenseCases[name].AssertGradients();

    [Theory, MemberData(nameof(DenseNames))]
    public void Dense_ShapesAndParameters(string name) => DenseCases[name].AssertShapes();

    [Theory, MemberData(nameof(FlattenNames))]
    public void Flatten_GradientsMatchFiniteDifferences(string name) => FlattenCases[name].AssertGradients();

    [Theory, MemberData(nameof(FlattenNames))]
    public void Flatten_ShapesAndParameters(string name) => FlattenCases[name].AssertShapes();

    [Fact]
    public void Dense_RejectsFeatureMapsAndNamesTheLayer()
    {
        var dense = new Dense(3, name: "fc1");

        // x: (2, 3, 4, 4), not flattened
        var error = Assert.Throws<ArgumentException>(() => dense.Build(new CpuBackend(), new Shape(2, 3, 4, 4)));

        Assert.Contains("fc1", error.Message);
        Assert.Contains("(2, 3, 4, 4)", error.Message);
    }
}
