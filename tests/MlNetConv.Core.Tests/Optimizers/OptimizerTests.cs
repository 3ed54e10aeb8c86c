using MlNetConv.Backends.Cpu;
using MlNetConv.Optimizers;
using MlNetConv.Tensors;

namespace MlNetConv.Tests.Optimizers;

public class OptimizerTests
{
    private static Parameter Param(float value, float grad)
    {
        var backend = new CpuBackend();
        var p = new Parameter("w", backend.Allocate(new Shape(1)));
        p.Value.CopyFrom([value]);
        p.Grad!.CopyFrom([grad]);
        return p;
    }

    [Theory]
    [InlineData(0f, 0f, false)]
    [InlineData(0.9f, 0f, false)]
    [InlineData(0.9f, 0.01f, false)]
    [InlineData(0.9f, 0.01f, true)]
    public void SgdFollowsPyTorchsUpdateRule(float momentum, float decay, bool nesterov)
    {
        var p = Param(1f, 0.5f);
        var sgd = new SgdOptions(0.1f, momentum, decay, nesterov).Create([p]);
        double w = 1, v = 0;
        for (int step = 0; step < 3; step++)
        {
            sgd.Step();
            double g = 0.5 + decay * w;
            v = momentum * v + g;
            double d = momentum == 0 ? g : nesterov ? g + momentum * v : v;
            w -= 0.1 * d;
            Assert.Equal(w, p.Value.ToArray()[0], 5);
        }
        Assert.Equal(3, sgd.StepCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AdamAndAdamWFollowTheirUpdateRules(bool decoupled)
    {
        var p = Param(1f, 0.5f);
        var options = decoupled ? new AdamWOptions(0.01f, WeightDecay: 0.1f) : new AdamOptions(0.01f, WeightDecay: 0.1f);
        var adam = options.Create([p]);
        double w = 1, m = 0, v = 0;
        for (int t = 1; t <= 3; t++)
        {
            adam.Step();
            double g = 0.5;
            if (decoupled) w -= 0.01 * 0.1 * w;
            else g += 0.1 * w;
            m = 0.9 * m + 0.1 * g;
            v = 0.999 * v + 0.001 * g * g;
            w -= 0.01 * (m / (1 - Math.Pow(0.9, t))) / (Math.Sqrt(v / (1 - Math.Pow(0.999, t))) + 1e-8);
            Assert.Equal(w, p.Value.ToArray()[0], 5);
        }
        Assert.Equal(2, adam.State.Count);
    }

    [Fact]
    public void SchedulesGiveTheExpectedRates()
    {
        Assert.Equal(0.1f, LearningRateSchedules.Step(3).LearningRate(1f, 3.0), 6);
        Assert.Equal(1f, LearningRateSchedules.Step(3).LearningRate(1f, 2.99), 6);
        Assert.Equal(0.5f, LearningRateSchedules.Cosine(10).LearningRate(1f, 5), 5);
        Assert.Equal(0f, LearningRateSchedules.Cosine(10).LearningRate(1f, 10), 5);
        Assert.Equal(0.25f, LearningRateSchedules.LinearWarmup(2).LearningRate(1f, 0.5), 5);
        Assert.Equal(1f, LearningRateSchedules.LinearWarmup(2).LearningRate(1f, 4), 5);
    }

    [Fact]
    public void InvalidHyperParametersAreRejected()
    {
        Assert.Throws<ArgumentException>(() => new SgdOptions(-1f).Create([Param(0, 0)]));
        Assert.Throws<ArgumentException>(() => new SgdOptions(0.1f, 0f, 0f, Nesterov: true).Create([Param(0, 0)]));
        Assert.Throws<ArgumentException>(() => new AdamOptions(0.1f, Beta1: 1f).Create([Param(0, 0)]));
    }
}
