using MlNetConv.Backends.Cpu;
using MlNetConv.Layers;
using MlNetConv.Tensors;
using MlNetConv.Tests.Support;

namespace MlNetConv.Tests.Layers;

/// <summary>
/// The layers ONNX import needed (constant affine maps, reshapes, constant padding and cropping, Hardtanh, softmax):
/// gradients, shapes, values and their saved form.
/// </summary>
public sealed class ImportedLayerTests
{
    private static readonly LayerCases Cases = new(
        new("affine_per_channel", () => new ConstantAffine(), new Shape(2, 3, 4, 5), new Shape(2, 3, 4, 5), Buffers: 6),
        new("affine_per_element", () => new ConstantAffine(perElement: true), new Shape(2, 3, 2, 3), new Shape(2, 3, 2, 3), Buffers: 36),
        new("affine_features", () => new ConstantAffine(), new Shape(3, 5), new Shape(3, 5), Buffers: 10),
        new("reshape_to_rank5", () => new Reshape([2, 3, 2, 2]), new Shape(2, 6, 4), new Shape(2, 2, 3, 2, 2)),
        new("pad_2d", () => new ConstantPad([1, 0], [2, 3], 0.5f), new Shape(2, 2, 3, 4), new Shape(2, 2, 6, 7)),
        new("pad_and_crop_2d", () => new ConstantPad([-1, 2], [1, -2]), new Shape(2, 2, 5, 6), new Shape(2, 2, 5, 6)),
        new("crop_1d", () => new ConstantPad([-2], [-1]), new Shape(2, 3, 7), new Shape(2, 3, 4)),
        new("pad_3d", () => new ConstantPad([1, 0, 1], [0, 1, 0]), new Shape(1, 2, 2, 3, 2), new Shape(1, 2, 3, 4, 3)),
        new("relu6", () => new Hardtanh(0f, 6f), new Shape(2, 3, 4), new Shape(2, 3, 4), Options: GradientCheckOptions.AwayFromZero),
        new("hardtanh_clamps", () => new Hardtanh(-0.5f, 0.25f), new Shape(2, 8), new Shape(2, 8),
            Options: new GradientCheckOptions { Input = Values.AwayFromZero(4 * GradientCheckOptions.DefaultStep, 0.25 - 4 * GradientCheckOptions.DefaultStep) }),
        new("softmax_channels_2d", () => new Softmax(), new Shape(2, 4, 3, 2), new Shape(2, 4, 3, 2)),
        new("softmax_features", () => new Softmax(), new Shape(3, 6), new Shape(3, 6)),
        new("power_cube", () => new Power(3f), new Shape(2, 3, 4), new Shape(2, 3, 4)),
        new("power_square", () => new Power(2f), new Shape(2, 5), new Shape(2, 5)),
        // x · x and a gate: both inputs of the product get the other's values as gradient (summed where they are one tensor).
        new("multiply_square_and_gate", () =>
        {
            var g = new MlNetConv.Graphs.GraphBuilder();
            var squared = g.Merge(new Multiply(), g.Input, g.Input);
            var gate = g.Add(g.Input, new Sigmoid());
            return g.Build(g.Merge(new Multiply(), squared, gate));
        }, new Shape(2, 3, 2, 2), new Shape(2, 3, 2, 2)));

    public static TheoryData<string> Names => Cases.Names;

    [Theory, MemberData(nameof(Names))]
    public void GradientsMatchFiniteDifferences(string name) => Cases[name].AssertGradients();

    [Theory, MemberData(nameof(Names))]
    public void ShapesAndParameters(string name) => Cases[name].AssertShapes();

    [Theory]
    [InlineData(0.75f)]
    [InlineData(-1f)]
    [InlineData(0.5f)]
    public void FractionalAndNegativePowersOfPositiveInputs(float exponent)
    {
        var options = new GradientCheckOptions { Input = Values.Uniform(0.5, 2) };
        GradientCheck.Layer(new Power(exponent), new Shape(2, 3, 4), options).AssertPassed();
        var backend = new CpuBackend();
        var power = new Power(exponent);
        power.Build(backend, new Shape(1, 3));
        using var x = backend.Allocate(new Shape(1, 3));
        x.CopyFrom([0.25f, 1f, 4f]);
        Assert.Equal([MathF.Pow(0.25f, exponent), 1f, MathF.Pow(4f, exponent)], power.Forward(x, training: false).ToArray());
    }

    [Fact]
    public void MultiplyRefusesTwoShapes()
    {
        var error = Assert.Throws<ArgumentException>(() => new Multiply("gate").Build(new CpuBackend(), [new Shape(1, 2, 3), new Shape(1, 2, 1)]));
        Assert.Contains("Merge 'gate' (Multiply)", error.Message);
    }

    [Theory, MemberData(nameof(Names))]
    public void SavedFormRebuildsTheSameLayer(string name)
    {
        var c = Cases[name];
        LayerRoundTrip.AssertSameLayer(c.Create(), new Shape(c.Input.Skip(1).ToArray()));
    }

    [Fact]
    public void ConstantPadPadsWithItsValueAndCrops()
    {
        var backend = new CpuBackend();
        var pad = new ConstantPad([1, -1], [0, 1], 9f);
        pad.Build(backend, new Shape(1, 1, 2, 3));                 // (1, 1, 3, 3)
        using var x = backend.Allocate(new Shape(1, 1, 2, 3));
        x.CopyFrom([1, 2, 3, 4, 5, 6]);
        Assert.Equal([9, 9, 9, 2, 3, 9, 5, 6, 9], pad.Forward(x, training: false).ToArray());
    }

    [Fact]
    public void ConstantAffineIsScaleThenShiftAndHardtanhClamps()
    {
        var backend = new CpuBackend();
        var affine = new ConstantAffine();
        affine.Build(backend, new Shape(1, 2, 2));
        affine.Scale.Value.CopyFrom([2f, -1f]);
        affine.Shift.Value.CopyFrom([0.5f, 3f]);
        using var x = backend.Allocate(new Shape(1, 2, 2));
        x.CopyFrom([1, 2, 3, 4]);
        Assert.Equal([2.5f, 4.5f, 0f, -1f], affine.Forward(x, training: false).ToArray());

        var clip = new Hardtanh(0f, 6f);
        clip.Build(backend, new Shape(1, 2, 2));
        x.CopyFrom([-1, 2, 7, float.NaN]);
        Assert.Equal([0f, 2f, 6f, float.NaN], clip.Forward(x, training: false).ToArray());
        Assert.Equal("ReLU6()", clip.ToString());
    }

    [Fact]
    public void InvalidArgumentsAreRefusedWithTheirValues()
    {
        Assert.Contains("min_val must not exceed max_val", Assert.Throws<ArgumentException>(() => new Hardtanh(1f, 0f)).Message);
        Assert.Contains("positive dimensions", Assert.Throws<ArgumentException>(() => new Reshape([2, 0])).Message);
        var reshape = new Reshape([5]);
        Assert.Contains("has 6 elements", Assert.Throws<ArgumentException>(() => reshape.Build(new CpuBackend(), new Shape(1, 2, 3))).Message);
        var crop = new ConstantPad([-2], [-1]);
        Assert.Contains("leaves nothing", Assert.Throws<ArgumentException>(() => crop.Build(new CpuBackend(), new Shape(1, 1, 3))).Message);
    }
}
