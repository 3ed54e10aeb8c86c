using MlNetConv.Backends.Cpu;
using MlNetConv.Layers;
using MlNetConv.Tensors;
using MlNetConv.Tests.Support;

namespace MlNetConv.Tests.Layers;

/// <summary>
/// Inverted dropout: a fixed mask in training (the harness reseeds before every forward, so the gradient check sees
/// one function), the identity in evaluation, and the documented statistics of the mask.
/// </summary>
public sealed class DropoutTests
{
    private static readonly GradientCheckOptions Evaluation = new() { Training = false };

    // Shape-preserving; no weights.
    private static readonly LayerCases Cases = new(
        new("dropout_0.5_training", () => new Dropout(), new Shape(2, 3, 4, 4), new Shape(2, 3, 4, 4)),
        new("dropout_0.3_training_features", () => new Dropout(0.3f), new Shape(4, 10), new Shape(4, 10)),
        new("dropout_0.5_eval", () => new Dropout(), new Shape(2, 3, 4, 4), new Shape(2, 3, 4, 4), Options: Evaluation),
        new("dropout2d_0.5_training", () => new Dropout2d(), new Shape(2, 4, 3, 3), new Shape(2, 4, 3, 3)),
        new("dropout2d_0.25_training_3d", () => new Dropout2d(0.25f), new Shape(2, 4, 2, 2, 2), new Shape(2, 4, 2, 2, 2)),
        new("dropout2d_0.5_eval", () => new Dropout2d(), new Shape(2, 4, 3, 3), new Shape(2, 4, 3, 3), Options: Evaluation));

    public static TheoryData<string> Names => Cases.Names;

    [Theory, MemberData(nameof(Names))]
    public void GradientsMatchFiniteDifferences(string name) => Cases[name].AssertGradients();

    [Theory, MemberData(nameof(Names))]
    public void ShapesAndParameters(string name) => Cases[name].AssertShapes();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Evaluation_IsExactlyTheIdentity(bool channelWise)
    {
        var (layer, input, x) = Run(channelWise ? new Dropout2d(0.5f) : new Dropout(0.5f), new Shape(2, 3, 4, 4));

        Assert.Equal(x, layer.Forward(input, training: false).ToArray());
        Assert.Equal(x, layer.Backward(input)!.ToArray());
    }

    [Theory]
    [InlineData(0.5f)]
    [InlineData(0.2f)]
    public void Dropout_Training_ZeroesAboutPAndScalesTheRest(float p)
    {
        // x: (8, 16, 16, 16), 32768 elements, none of them zero.
        var (layer, input, x) = Run(new Dropout(p), new Shape(8, 16, 16, 16));
        layer.SetSeed(42);
        var y = layer.Forward(input, training: true).ToArray();

        float keep = 1f / (1f - p);
        int zeros = 0;
        for (int i = 0; i < y.Length; i++)
        {
            if (y[i] == 0f) zeros++;
            else Assert.Equal(x[i] * keep, y[i]);
        }
        AssertFraction(p, zeros, y.Length);
    }

    [Theory]
    [InlineData(0.5f)]
    [InlineData(0.2f)]
    public void Dropout2d_Training_DropsWholeChannels(float p)
    {
        // x: (16, 64, 3, 3): 1024 feature maps of 9 values.
        var (layer, input, x) = Run(new Dropout2d(p), new Shape(16, 64, 3, 3));
        layer.SetSeed(42);
        var y = layer.Forward(input, training: true).ToArray();

        float keep = 1f / (1f - p);
        int maps = 16 * 64, dropped = 0;
        for (int m = 0; m < maps; m++)
        {
            var map = y.AsSpan(m * 9, 9);
            if (map[0] == 0f)
            {
                dropped++;
                Assert.All(map.ToArray(), v => Assert.Equal(0f, v));
            }
            else
                for (int j = 0; j < 9; j++) Assert.Equal(x[m * 9 + j] * keep, map[j]);
        }
        AssertFraction(p, dropped, maps);
    }

    [Fact]
    public void Training_SameSeedSameMask_NextForwardNewMask()
    {
        var (layer, input, _) = Run(new Dropout(0.5f), new Shape(2, 64));

        layer.SetSeed(3);
        var first = layer.Forward(input, training: true).ToArray();
        var second = layer.Forward(input, training: true).ToArray();
        layer.SetSeed(3);
        var again = layer.Forward(input, training: true).ToArray();

        Assert.Equal(first, again);
        Assert.NotEqual(first, second);
    }

    /// <summary>The layer built for <paramref name="shape"/> and an input of nonzero values.</summary>
    private static (DropoutBase Layer, Tensor Input, float[] Values) Run(DropoutBase layer, Shape shape)
    {
        var backend = new CpuBackend();
        layer.Build(backend, shape);
        var values = Values.AwayFromZero(0.5, 2)(shape, new RandomStream(9));
        var input = backend.Allocate(shape);
        input.CopyFrom(values);
        return (layer, input, values);
    }

    /// <summary>The observed fraction is within 4 binomial standard deviations of p.</summary>
    private static void AssertFraction(float p, int hits, int trials)
    {
        double fraction = (double)hits / trials, sigma = Math.Sqrt(p * (1 - p) / trials);
        Assert.InRange(fraction, p - 4 * sigma, p + 4 * sigma);
    }
}
