using System.Text.Json.Nodes;
using MlNetConv.Layers;
using MlNetConv.Tensors;
using Xunit.Sdk;

namespace MlNetConv.Tests.Support;

/// <summary>The harness itself: it passes a correct layer and catches wrong gradients, kinks and overwritten accumulators.</summary>
public sealed class GradientCheckTests
{
    // x: (2, 3, 4)
    private static readonly Shape Input = new(2, 3, 4);

    [Fact]
    public void CorrectLayer_Passes()
    {
        var report = GradientCheck.Layer(new ScaledSquare(), Input);

        report.AssertPassed();
        Assert.Equal(["input", "parameter 0 'a' (1)"], report.Tensors);
        Assert.Equal(Input.Size + 1, report.Checks.Count);
        LayerHarness.Check(new ScaledSquare(), Input, Input, trainable: 1);
    }

    [Fact]
    public void InputGradientOnePercentOff_Fails()
    {
        var report = GradientCheck.Layer(new ScaledSquare(inputGradientFactor: 1.01f), Input);

        var error = Assert.Throws<FailException>(report.AssertPassed);
        Assert.Contains("input[", error.Message);
        Assert.All(report.Failures, f => Assert.Equal("input", f.Tensor));
    }

    [Fact]
    public void ParameterGradientOnePercentOff_Fails()
    {
        var report = GradientCheck.Layer(new ScaledSquare(parameterGradientFactor: 0.99f), Input);

        var error = Assert.Throws<FailException>(report.AssertPassed);
        Assert.Contains("parameter 0 'a'", error.Message);
    }

    [Fact]
    public void OverwrittenParameterGradient_PassesTheCheckButNotTheHarness()
    {
        // The gradient check zeroes the gradients first, so only the harness sees that Backward must add to them.
        GradientCheck.Layer(new ScaledSquare(overwriteGradient: true), Input).AssertPassed();

        Assert.ThrowsAny<XunitException>(() => LayerHarness.Check(new ScaledSquare(overwriteGradient: true), Input, Input, trainable: 1));
    }

    [Fact]
    public void ReLUWithInputsAtItsKink_FailsWithRoughStencils()
    {
        // Inputs on a grid of h/2 include 0 and values within 2h of it: those stencils straddle the kink.
        var options = new GradientCheckOptions { Input = (shape, random) => Enumerable.Range(0, shape.Size).Select(i => (float)((i - 12) / 64.0)).ToArray() };

        var report = GradientCheck.Layer(new ReLU(), Input, options);

        Assert.NotEmpty(report.Failures);
        Assert.All(report.Failures, f => Assert.True(f.Roughness > Math.Abs(f.Analytic - f.Numeric), f.ToString()));
        GradientCheck.Layer(new ReLU(), Input, GradientCheckOptions.AwayFromZero).AssertPassed();
    }

    [Fact]
    public void LargeTensor_ChecksASampleWithTheFirstAndLastElement()
    {
        // x: (3, 4, 10, 10), 1200 elements.
        var report = GradientCheck.Layer(new Tanh(), new Shape(3, 4, 10, 10));

        var indices = report.Checks.Select(c => c.Index).ToArray();
        Assert.Equal(60, indices.Length);
        Assert.Equal(60, indices.Distinct().Count());
        Assert.Contains(0, indices);
        Assert.Contains(1199, indices);
    }

    [Fact]
    public void Values_AreOnTheGridAndDistinctPerMap()
    {
        // (2, 3, 4, 4): six maps of 16 values.
        var shape = new Shape(2, 3, 4, 4);
        var values = Values.Distinct(0.25)(shape, new RandomStream(1));

        for (int map = 0; map < 6; map++)
        {
            var sorted = values.Skip(map * 16).Take(16).Order().ToArray();
            for (int i = 1; i < 16; i++) Assert.Equal(0.25, sorted[i] - sorted[i - 1]);
        }
        Assert.All(Values.Uniform()(shape, new RandomStream(2)), v => Assert.Equal(0, v / Values.Grid % 1));
        Assert.All(Values.AwayFromZero(0.125, 2)(shape, new RandomStream(3)), v => Assert.InRange(Math.Abs(v), 0.125f, 2f));
    }

    /// <summary>
    /// y = a·x² with one trainable scalar a, computed on the host: a test double whose backward can be made wrong on
    /// purpose (scaled input or parameter gradient, a parameter gradient that overwrites instead of adding).
    /// </summary>
    private sealed class ScaledSquare(float inputGradientFactor = 1f, float parameterGradientFactor = 1f, bool overwriteGradient = false)
        : Layer("square")
    {
        private Parameter? _a;
        private float[] _x = [];

        protected override Shape OnBuild(Shape input)
        {
            _a = AddParameter("a", new Shape(1), null);
            return input;
        }

        public override Tensor Forward(Tensor input, bool training)
        {
            CheckInput(input);
            _x = input.ToArray();
            float a = _a!.Value.ToArray()[0];
            return Upload(input.Shape, _x.Select(x => a * x * x));
        }

        public override Tensor? Backward(Tensor outputGrad)
        {
            var dy = outputGrad.ToArray();
            float a = _a!.Value.ToArray()[0];
            float da = parameterGradientFactor * dy.Zip(_x, (g, x) => g * x * x).Sum();
            float previous = overwriteGradient ? 0f : _a.Grad!.ToArray()[0];
            _a.Grad!.CopyFrom([previous + da]);
            return Upload(outputGrad.Shape, dy.Zip(_x, (g, x) => inputGradientFactor * 2 * a * x * g));
        }

        public override void WriteConfig(JsonObject config) { }

        private Tensor Upload(Shape shape, IEnumerable<float> values)
        {
            var tensor = Backend.Allocate(shape);
            tensor.CopyFrom(values.ToArray());
            return tensor;
        }
    }
}
