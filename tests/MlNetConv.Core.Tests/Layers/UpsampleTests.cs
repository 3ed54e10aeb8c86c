using MlNetConv.Backends.Cpu;
using MlNetConv.Geometry;
using MlNetConv.Layers;
using MlNetConv.Tensors;
using MlNetConv.Tests.Support;

namespace MlNetConv.Tests.Layers;

/// <summary>Upsample: nearest and (bi/tri)linear values as PyTorch's interpolate computes them, shapes, and finite-difference gradients.</summary>
public sealed class UpsampleTests
{
    private static readonly LayerCases Cases = new(
        new("nearest_1d_x2", () => new Upsample(2), new Shape(2, 2, 5), new Shape(2, 2, 10)),
        new("nearest_2d_x2", () => new Upsample(2), new Shape(2, 2, 3, 4), new Shape(2, 2, 6, 8)),
        new("nearest_2d_size_5x7", () => new Upsample([5, 7]), new Shape(1, 2, 3, 4), new Shape(1, 2, 5, 7)),
        new("nearest_3d_x2", () => new Upsample(2), new Shape(1, 2, 2, 3, 2), new Shape(1, 2, 4, 6, 4)),
        new("linear_1d_x3", () => new Upsample(3, UpsampleMode.Linear), new Shape(2, 2, 4), new Shape(2, 2, 12)),
        new("bilinear_x2", () => new Upsample(2, UpsampleMode.Linear), new Shape(2, 2, 3, 4), new Shape(2, 2, 6, 8)),
        new("bilinear_x2_align_corners", () => new Upsample(2, UpsampleMode.Linear, alignCorners: true), new Shape(2, 2, 3, 4), new Shape(2, 2, 6, 8)),
        new("bilinear_scale_1.5", () => new Upsample(1.5, UpsampleMode.Linear), new Shape(1, 2, 4, 5), new Shape(1, 2, 6, 7)),
        new("bilinear_size_7x5_align_corners", () => new Upsample([7, 5], UpsampleMode.Linear, alignCorners: true), new Shape(1, 2, 3, 3), new Shape(1, 2, 7, 5)),
        new("trilinear_x2", () => new Upsample(2, UpsampleMode.Linear), new Shape(1, 2, 2, 3, 2), new Shape(1, 2, 4, 6, 4)));

    public static TheoryData<string> Names => Cases.Names;

    [Theory, MemberData(nameof(Names))]
    public void GradientsMatchFiniteDifferences(string name) => Cases[name].AssertGradients();

    [Theory, MemberData(nameof(Names))]
    public void ShapesAndParameters(string name) => Cases[name].AssertShapes();

    /// <summary>[[1, 2], [3, 4]] upsampled to 4x4; source rows and columns at (o + ½)/2 - ½ clamped: 0, ¼, ¾, 1¼ → 1.</summary>
    [Fact]
    public void Bilinear_WithoutAlignCorners_MatchesHandComputedValues() => AssertUpsampled(new Upsample(2, UpsampleMode.Linear),
    [
        1.00f, 1.25f, 1.75f, 2.00f,
        1.50f, 1.75f, 2.25f, 2.50f,
        2.50f, 2.75f, 3.25f, 3.50f,
        3.00f, 3.25f, 3.75f, 4.00f,
    ]);

    /// <summary>Corners on corners: source positions o·(2 - 1)/(4 - 1) = 0, ⅓, ⅔, 1.</summary>
    [Fact]
    public void Bilinear_WithAlignCorners_MatchesHandComputedValues() => AssertUpsampled(new Upsample(2, UpsampleMode.Linear, alignCorners: true),
    [
        1f, 4 / 3f, 5 / 3f, 2f,
        5 / 3f, 2f, 7 / 3f, 8 / 3f,
        7 / 3f, 8 / 3f, 3f, 10 / 3f,
        3f, 10 / 3f, 11 / 3f, 4f,
    ]);

    [Fact]
    public void Nearest_RepeatsEachPixel() => AssertUpsampled(new Upsample(2),
    [
        1, 1, 2, 2,
        1, 1, 2, 2,
        3, 3, 4, 4,
        3, 3, 4, 4,
    ]);

    [Theory]
    // nearest to 3: floor(o · 2/3) = 0, 0, 1
    [InlineData(UpsampleMode.Nearest, false, new float[] { 1, 1, 2 })]
    // linear to 3: (o + ½)·⅔ - ½ = -⅙ → 0, ½, 7/6 → clamped to the last pixel
    [InlineData(UpsampleMode.Linear, false, new float[] { 1, 1.5f, 2 })]
    // align corners: 0, ½, 1
    [InlineData(UpsampleMode.Linear, true, new float[] { 1, 1.5f, 2 })]
    public void ToASize_1d(UpsampleMode mode, bool alignCorners, float[] expected)
    {
        var backend = new CpuBackend();
        var layer = new Upsample([3], mode, alignCorners);
        // x: (1, 1, 2) = [1, 2]
        layer.Build(backend, new Shape(1, 1, 2));
        using var x = backend.Allocate(new Shape(1, 1, 2));
        x.CopyFrom([1, 2]);

        Assert.Equal(expected, layer.Forward(x, false).ToArray());
    }

    [Fact]
    public void AlignCornersWithNearest_IsRejected()
    {
        var error = Assert.Throws<ArgumentException>(() => new Upsample(2, UpsampleMode.Nearest, alignCorners: true));

        Assert.Equal("Upsample: align_corners only applies to linear interpolation, not to nearest.", error.Message);
    }

    [Fact]
    public void ToString_NamesTheModeByRank()
    {
        var layer = new Upsample(2, UpsampleMode.Linear, alignCorners: true);
        layer.Build(new CpuBackend(), new Shape(1, 1, 2, 2));

        Assert.Equal("Upsample(scale_factor=2, mode='bilinear', align_corners=True)", layer.ToString());
    }

    /// <summary>Upsamples x: (1, 1, 2, 2) = [[1, 2], [3, 4]] to 4x4.</summary>
    private static void AssertUpsampled(Upsample layer, float[] expected)
    {
        var backend = new CpuBackend();
        layer.Build(backend, new Shape(1, 1, 2, 2));
        using var x = backend.Allocate(new Shape(1, 1, 2, 2));
        x.CopyFrom([1, 2, 3, 4]);

        var y = layer.Forward(x, false).ToArray();

        Assert.Equal(expected.Length, y.Length);
        for (int i = 0; i < y.Length; i++) Assert.Equal(expected[i], y[i], 1e-6f);
    }
}
