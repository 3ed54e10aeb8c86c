using MlNetConv.Backends.Cpu;
using MlNetConv.Layers;
using MlNetConv.Tensors;
using MlNetConv.Tests.Support;

namespace MlNetConv.Tests.Layers;

/// <summary>
/// The layers ONNX import needed (constant affine maps, reshapes, constant, reflection and replication padding and
/// cropping, Hardtanh, softmax, narrowing, index selection, permutation, expansion, broadcasting products and sums): gradients,
/// shapes, values and their saved form.
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
        }, new Shape(2, 3, 2, 2), new Shape(2, 3, 2, 2)),
        new("narrow_channels", () => new Narrow(1, 1, 2), new Shape(2, 4, 3, 2), new Shape(2, 2, 3, 2)),
        new("narrow_width_3d", () => new Narrow(4, 2, 1), new Shape(2, 2, 2, 3, 4), new Shape(2, 2, 2, 3, 1)),
        new("narrow_features", () => new Narrow(1, 0, 3), new Shape(3, 5), new Shape(3, 3)),
        new("index_select_reversed_channels", () => new IndexSelect(1, [2, 1, 0]), new Shape(2, 3, 2, 2), new Shape(2, 3, 2, 2)),
        new("index_select_repeats_height", () => new IndexSelect(2, [3, 0, 3, 3, 1]), new Shape(2, 2, 4, 3), new Shape(2, 2, 5, 3)),
        new("permute_channels_last", () => new Permute([0, 2, 3, 1]), new Shape(2, 3, 4, 2), new Shape(2, 4, 2, 3)),
        new("permute_rank5", () => new Permute([0, 4, 2, 1, 3]), new Shape(2, 2, 3, 2, 3), new Shape(2, 3, 3, 2, 2)),
        new("permute_rank3", () => new Permute([0, 2, 1]), new Shape(3, 4, 5), new Shape(3, 5, 4)),
        new("expand_channel_gate", () => new Expand([3, 4, 2]), new Shape(2, 3, 1, 1), new Shape(2, 3, 4, 2)),
        new("expand_rows_and_features", () => new Expand([2, 5]), new Shape(3, 1, 5), new Shape(3, 2, 5)),
        new("reflection_pad_1d", () => new ReflectionPad([2], [3]), new Shape(2, 3, 5), new Shape(2, 3, 10)),
        new("reflection_pad_2d", () => new ReflectionPad([1, 2], [2, 1]), new Shape(2, 2, 3, 4), new Shape(2, 2, 6, 7)),
        new("reflection_pad_3d", () => new ReflectionPad([1, 0, 2], [0, 1, 1]), new Shape(1, 2, 2, 2, 3), new Shape(1, 2, 3, 3, 6)),
        new("replication_pad_1d", () => new ReplicationPad([3], [0]), new Shape(2, 2, 2), new Shape(2, 2, 5)),
        new("replication_pad_2d", () => new ReplicationPad([2, 1], [1, 3]), new Shape(2, 2, 3, 2), new Shape(2, 2, 6, 6)),
        new("replication_pad_3d_single", () => new ReplicationPad([1, 2, 0], [1, 0, 2]), new Shape(1, 2, 1, 2, 1), new Shape(1, 2, 3, 4, 3)),
        // A squeeze-and-excitation gate: the map times a per-channel (N, C, 1, 1) sigmoid of its pooled values, plus a
        // per-position (N, 1, H, W) term; the gradients of the small operands are sums over what they were repeated along.
        new("broadcast_gate_and_sum", () =>
        {
            var g = new MlNetConv.Graphs.GraphBuilder();
            var gate = g.Add(g.Input, new GlobalAvgPool(), new Reshape([3, 1, 1]), new Sigmoid());
            var gated = g.Merge(new Multiply(), g.Input, gate);
            var position = g.Add(g.Input, new Narrow(1, 1, 1), new Tanh());
            return g.Build(g.Merge(new Add(), position, gated, gate));
        }, new Shape(2, 3, 3, 2), new Shape(2, 3, 3, 2)));

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
    public void MergesRefuseShapesThatDoNotBroadcastAndOtherBatches()
    {
        var error = Assert.Throws<ArgumentException>(() => new Multiply("gate").Build(new CpuBackend(), [new Shape(1, 2, 3), new Shape(1, 3, 1)]));
        Assert.Contains("Merge 'gate' (Multiply)", error.Message);
        Assert.Contains("input 1 (1, 3, 1)", error.Message);
        error = Assert.Throws<ArgumentException>(() => new Add("sum").Build(new CpuBackend(), [new Shape(2, 2, 3), new Shape(1, 2, 3)]));
        Assert.Contains("one rank and batch", error.Message);
        Assert.Throws<ArgumentException>(() => new Add().Build(new CpuBackend(), [new Shape(2, 2, 3), new Shape(2, 6)]));
        var product = new Multiply();
        Assert.Equal(new Shape(1, 2, 3), product.Build(new CpuBackend(), [new Shape(1, 2, 3), new Shape(1, 2, 1)]));
        Assert.True(product.Broadcasts);
    }

    [Fact]
    public void NarrowIndexSelectAndPermutePlaceTheValues()
    {
        var backend = new CpuBackend();
        using var x = backend.Allocate(new Shape(1, 3, 2, 2));
        x.CopyFrom(Enumerable.Range(0, 12).Select(i => (float)i).ToArray());
        Assert.Equal([2f, 3f, 6f, 7f, 10f, 11f], Run(new Narrow(2, 1, 1), x));
        Assert.Equal([8f, 9f, 10f, 11f, 0f, 1f, 2f, 3f, 8f, 9f, 10f, 11f], Run(new IndexSelect(1, [2, 0, 2]), x));
        // (1, 3, 2, 2) → (1, 2, 2, 3): channels last.
        Assert.Equal([0f, 4f, 8f, 1f, 5f, 9f, 2f, 6f, 10f, 3f, 7f, 11f], Run(new Permute([0, 2, 3, 1]), x));

        float[] Run(Layer layer, Tensor input)
        {
            layer.Build(backend, input.Shape);
            return layer.Forward(input, training: false).ToArray();
        }
    }

    [Fact]
    public void IndexSelectSumsTheGradientsOfRepeatedPicks()
    {
        var backend = new CpuBackend();
        var select = new IndexSelect(1, [1, 1, 0, 1]);
        select.Build(backend, new Shape(1, 3, 1));
        using var x = backend.Allocate(new Shape(1, 3, 1));
        select.Forward(x, training: true);
        using var dy = backend.Allocate(new Shape(1, 4, 1));
        dy.CopyFrom([1f, 10f, 100f, 1000f]);
        Assert.Equal([100f, 1011f, 0f], select.Backward(dy)!.ToArray());
    }

    [Fact]
    public void BorderPadsMirrorOrRepeatTheEdge()
    {
        var backend = new CpuBackend();
        using var x = backend.Allocate(new Shape(1, 1, 4));
        x.CopyFrom([1f, 2f, 3f, 4f]);
        var reflect = new ReflectionPad([2], [3]);
        reflect.Build(backend, x.Shape);
        Assert.Equal([3f, 2f, 1f, 2f, 3f, 4f, 3f, 2f, 1f], reflect.Forward(x, training: false).ToArray());
        var replicate = new ReplicationPad([2], [3]);
        replicate.Build(backend, x.Shape);
        Assert.Equal([1f, 1f, 1f, 2f, 3f, 4f, 4f, 4f, 4f], replicate.Forward(x, training: false).ToArray());
        using var dy = backend.Allocate(new Shape(1, 1, 9));
        dy.CopyFrom([1f, 2f, 4f, 8f, 16f, 32f, 64f, 128f, 256f]);
        Assert.Equal([1f + 2f + 4f, 8f, 16f, 32f + 64f + 128f + 256f], replicate.Backward(dy)!.ToArray());
        reflect.Forward(x, training: true);
        Assert.Equal([4f + 256f, 2f + 8f + 128f, 1f + 16f + 64f, 32f], reflect.Backward(dy)!.ToArray());
    }

    [Fact]
    public void NewLayersRefuseArgumentsThatDoNotFit()
    {
        var cpu = new CpuBackend();
        Assert.Contains("after the batch", Assert.Throws<ArgumentException>(() => new Narrow(0, 0, 1)).Message);
        Assert.Contains("do not fit input (1, 3, 2)", Assert.Throws<ArgumentException>(() => new Narrow(1, 2, 2).Build(cpu, new Shape(1, 3, 2))).Message);
        Assert.Contains("index 3 is out of range", Assert.Throws<ArgumentException>(() => new IndexSelect(1, [0, 3]).Build(cpu, new Shape(1, 3, 2))).Message);
        Assert.Contains("keeps the batch first", Assert.Throws<ArgumentException>(() => new Permute([1, 0, 2])).Message);
        Assert.Contains("permute 3 axes", Assert.Throws<ArgumentException>(() => new Permute([0, 2, 1]).Build(cpu, new Shape(1, 2, 3, 4))).Message);
        Assert.Contains("smaller than the extent", Assert.Throws<ArgumentException>(() => new ReflectionPad([3], [0]).Build(cpu, new Shape(1, 1, 3))).Message);
        Assert.Contains("value >= 0", Assert.Throws<ArgumentException>(() => new ReplicationPad([-1], [0])).Message);
        Assert.Contains("does not expand to (1, 3, 4)", Assert.Throws<ArgumentException>(() => new Expand([3, 4]).Build(cpu, new Shape(1, 2, 4))).Message);
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
