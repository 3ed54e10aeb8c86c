using MlNetConv.Backends.Cpu;
using MlNetConv.Neocognitron;
using MlNetConv.Tensors;
using MlNetConv.Tests.Support;

namespace MlNetConv.Tests.Neocognitron;

/// <summary>
/// Each cell type of the neocognitron against values worked out by hand from Fukushima's equations. None of these
/// layers learns by gradients (fixed connections, or competitive learning), so none has a gradient check; their
/// Backward throws.
/// </summary>
public sealed class CellTests
{
    private static readonly CpuBackend Backend = new();

    private sealed class Tolerance(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double a, double b) => Math.Abs(a - b) <= tolerance;
        public int GetHashCode(double value) => 0;
    }

    private static float[] Run(global::MlNetConv.Layers.Layer layer, Shape input, float[] values)
    {
        layer.Build(Backend, input);
        using var x = Backend.Allocate(input);
        x.CopyFrom(values);
        return layer.Forward(x, training: false).ToArray();
    }

    [Theory]
    [InlineData(-2f, 0f)]
    [InlineData(0f, 0f)]
    [InlineData(1f, 0.5f)]
    [InlineData(3f, 0.75f)]
    public void SaturationIsPhiOverOnePlusPhi(float x, float expected) => Assert.Equal(expected, new SaturationOp().Forward(x), 6);

    [Fact]
    public void SCellResponseFollowsTheShuntingEquation()
    {
        // θ = 0.5: θ/(1−θ) = 1. e = 6, h = b·v = 3: (1 + 6)/(1 + 1.5) − 1 = 1.8.
        Assert.Equal(1.8f, new SCellResponseOp(0.5f).Apply(6f, 3f), 5);
        // θ = 0.8: 4 · φ[(1 + 2)/(1 + 0.8·2) − 1] = 4 · (3/2.6 − 1) = 0.615385.
        Assert.Equal(4.0 * (3.0 / 2.6 - 1.0), new SCellResponseOp(0.8f).Apply(2f, 2f), 5);
        // Inhibition stronger than excitation: silent.
        Assert.Equal(0f, new SCellResponseOp(0.5f).Apply(1f, 4f));
    }

    [Fact]
    public void SLayerWithOneTapComputesExcitationVCellAndShunt()
    {
        // Kernel 1: c = [1], so v(n) = |u(n)|. Plane 0: a = 2, b = 1; plane 1: a = 1, b = 4. θ = 0.5.
        var layer = new SLayer(2, 1, 0.5f);
        layer.Build(Backend, new Shape(1, 1, 1, 2));
        layer.Weight.Value.CopyFrom([2f, 1f]);
        layer.Inhibition.Value.CopyFrom([1f, 4f]);
        using var x = Backend.Allocate(new Shape(1, 1, 1, 2));
        x.CopyFrom([3f, 0f]);
        var y = layer.Forward(x, training: false).ToArray();
        // plane 0 at u = 3: (1 + 6)/(1 + 0.5·1·3) − 1 = 1.8; plane 1: (1 + 3)/(1 + 0.5·4·3) − 1 < 0 → 0; u = 0: (1 + 0)/(1 + 0) − 1 = 0.
        Assert.Equal([1.8f, 0f, 0f, 0f], y.Select(v => MathF.Round(v, 5)));
        Assert.Equal([3f, 0f], layer.VCells.ToArray());
    }

    [Fact]
    public void VCellIsTheWeightedRootMeanSquareOverAllInputPlanes()
    {
        // Two planes of 2s: inside the image, Σ_κ Σ_ν c(ν)·4 = 2·4 (c sums to 1), v = sqrt(8). At a corner only the
        // taps inside count: c(0,0) + c(0,1) + c(1,0) + c(1,1) of a 3 × 3 Gaussian with σ = 1.
        var layer = new SLayer(1, 3, 0.5f, vCellSigma: 1f);
        Run(layer, new Shape(1, 2, 5, 5), Enumerable.Repeat(2f, 50).ToArray());
        var v = layer.VCells.ToArray();
        Assert.Equal(MathF.Sqrt(8f), v[2 * 5 + 2], 5);
        double e1 = Math.Exp(-0.5), e2 = Math.Exp(-1), sum = 1 + 4 * e1 + 4 * e2;
        Assert.Equal(Math.Sqrt(8 * (1 + 2 * e1 + e2) / sum), v[0], 5);
    }

    [Fact]
    public void SeededPlaneAnswersItsStimulusAndFallsSilentBeyondArccosTheta()
    {
        // a = q·c·x, b = q·v(x): for large q the response is φ(s − θ)/(1 − θ), s the c-weighted cosine.
        var learning = new CompetitiveLearning(1, 3, 1f, 4, 1e5f);
        float[] stroke = [0, 1, 0, 0, 1, 0, 0, 1, 0], bar = [0, 0, 0, 1, 1, 1, 0, 0, 0];
        var layer = new SLayer(1, 3, 0.6f, vCellSigma: 1f);
        Run(layer, new Shape(1, 1, 3, 3), stroke);
        learning.Seed(stroke, layer.VCells.ToArray()[4]);
        learning.CopyTo(layer);
        using var x = Backend.Allocate(new Shape(1, 1, 3, 3));
        x.CopyFrom(stroke);
        Assert.Equal(1f, layer.Forward(x, false).ToArray()[4], 3);
        x.CopyFrom(bar);
        // The bar shares only the centre with the stroke: s = c0 / (c0 + 2c1) < 0.6.
        double c0 = 1, c1 = Math.Exp(-0.5);
        Assert.True(c0 / (c0 + 2 * c1) < 0.6);
        Assert.Equal(0f, layer.Forward(x, false).ToArray()[4]);
    }

    [Fact]
    public void ContrastExtractionSplitsOnAndOffCentre()
    {
        // One bright pixel in the middle of 5 × 5; kernel 3, centre σ = 0.5, surround σ = 1.
        var image = new float[25];
        image[12] = 1f;
        var y = Run(new ContrastExtraction(3, 0.5f, 1f), new Shape(1, 1, 5, 5), image);
        double centre0 = 1 / (1 + 4 * Math.Exp(-2) + 4 * Math.Exp(-4)), centre1 = Math.Exp(-2) * centre0;
        double surround0 = 1 / (1 + 4 * Math.Exp(-0.5) + 4 * Math.Exp(-1)), surround1 = Math.Exp(-0.5) * surround0;
        Assert.Equal(centre0 - surround0, y[12], 5);           // on-centre at the pixel
        Assert.Equal(0f, y[25 + 12]);                          // off-centre at the pixel
        Assert.Equal(0f, y[13]);                               // on-centre beside it: the surround wins
        Assert.Equal(surround1 - centre1, y[25 + 13], 5);      // off-centre beside it
        Assert.Equal(0f, y[0]);                                // out of reach
        // A uniform field gives nothing where the whole kernel lies inside the image (zero-sum kernel).
        var flat = Run(new ContrastExtraction(3, 0.5f, 1f), new Shape(1, 1, 5, 5), Enumerable.Repeat(0.7f, 25).ToArray());
        Assert.Equal(0f, flat[12], 5);
        Assert.Equal(0f, flat[25 + 12], 5);
    }

    [Fact]
    public void CLayerBlursSubsamplesAndSaturates()
    {
        // An S-cell of 1 at (2, 2) of 5 × 5; kernel 3, stride 2, σ = 1, gain 2 → 3 × 3 C-cells.
        var s = new float[25];
        s[12] = 1f;
        var y = Run(new CLayer(3, 2, sigma: 1f, gain: 2f), new Shape(1, 1, 5, 5), s);
        double d0 = 1 / (1 + 4 * Math.Exp(-0.5) + 4 * Math.Exp(-1)), d11 = Math.Exp(-1) * d0;
        Assert.Equal(9, y.Length);
        // C-cell (1, 1) sits over S (2, 2) and reads it with d(0); the others' windows (centred on S (0, 0), (0, 2), …)
        // do not reach it.
        Assert.Equal([0, 0, 0, 0, 2 * d0 / (1 + 2 * d0), 0, 0, 0, 0], y.Select(v => (double)v).ToArray(), new Tolerance(1e-5));
        // An S-cell at (1, 1) lies on the diagonal of four C-cells' windows: ψ(g·d(1, 1)) each.
        Array.Clear(s);
        s[6] = 1f;
        y = Run(new CLayer(3, 2, sigma: 1f, gain: 2f), new Shape(1, 1, 5, 5), s);
        double corner = 2 * d11 / (1 + 2 * d11);
        Assert.Equal([corner, corner, 0, corner, corner, 0, 0, 0, 0], y.Select(v => (double)v).ToArray(), new Tolerance(1e-5));
        var negative = Run(new CLayer(3, 2), new Shape(1, 1, 5, 5), Enumerable.Repeat(-1f, 25).ToArray());
        Assert.All(negative, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void LayersRoundTripThroughTheRegistry()
    {
        LayerRoundTrip.AssertSameLayer(new ContrastExtraction(5, 1f, 2.5f), new Shape(1, 8, 8));
        LayerRoundTrip.AssertSameLayer(new SLayer(3, 3, 0.6f, 1.2f), new Shape(2, 8, 8));
        LayerRoundTrip.AssertSameLayer(new CLayer(3, 2, 0.8f, 3f), new Shape(2, 8, 8));
    }

    [Fact]
    public void ConfigurationsFromAModelFileAreChecked()
    {
        // A kernel far wider than the input would only allocate padding taps.
        var wide = new SLayer(2, 101, 0.5f, name: "us1");
        Assert.Contains("us1", Assert.Throws<ArgumentException>(() => wide.Build(Backend, new Shape(1, 2, 8, 8))).Message);
        Assert.Throws<ArgumentException>(() => new ContrastExtraction(99, 1f, 2f).Build(Backend, new Shape(1, 1, 8, 8)));
        Assert.Throws<ArgumentException>(() => new CLayer(3, 2, float.NaN));
        Assert.Throws<ArgumentException>(() => new SLayer(2, 3, float.NaN));
        Assert.Throws<ArgumentException>(() => new SLayer(2, 3, 0.5f, float.NaN));
    }

    [Fact]
    public void LayersWithoutGradientsSayHowTheyLearn()
    {
        var s = new SLayer(1, 3, 0.5f, name: "us1");
        Run(s, new Shape(1, 1, 3, 3), new float[9]);
        var error = Assert.Throws<NotSupportedException>(() => s.Backward(Backend.Allocate(new Shape(1, 1, 3, 3))));
        Assert.Contains("competitive learning", error.Message);
        Assert.Throws<ArgumentException>(() => new SLayer(1, 3, 1f));
        Assert.Throws<ArgumentException>(() => new CLayer(4, 2));
        Assert.Throws<ArgumentException>(() => new ContrastExtraction(3, 2f, 1f));
    }
}
