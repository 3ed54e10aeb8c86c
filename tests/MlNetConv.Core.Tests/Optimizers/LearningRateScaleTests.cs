using MlNetConv.Backends.Cpu;
using MlNetConv.Optimizers;
using MlNetConv.Tensors;

namespace MlNetConv.Tests.Optimizers;

/// <summary>
/// Learning-rate scales by parameter name: a scaled parameter moves exactly as under the optimizer with the learning
/// rate times its scale, the others as without scales; a frozen parameter does not move at all.
/// </summary>
public sealed class LearningRateScaleTests
{
    public static TheoryData<string> Optimizers => new(["sgd", "sgd_nesterov_decay", "adam", "adamw"]);

    private static OptimizerOptions Options(string name, float learningRate) => name switch
    {
        "sgd" => new SgdOptions(learningRate),
        "sgd_nesterov_decay" => new SgdOptions(learningRate, 0.9f, 1e-2f, Nesterov: true),
        "adam" => new AdamOptions(learningRate, WeightDecay: 1e-2f),
        _ => new AdamWOptions(learningRate, WeightDecay: 0.1f),
    };

    /// <summary>A parameter of 40 values (two Vector512 blocks and a tail) with seeded values.</summary>
    private static Parameter Make(string name, ulong seed)
    {
        var p = new Parameter(name, CpuBackend.Default.Allocate(new Shape(40)));
        var random = new RandomStream(seed, name);
        p.Value.CopyFrom(Enumerable.Range(0, 40).Select(_ => (float)random.NextGaussian()).ToArray());
        return p;
    }

    /// <summary>Seeded gradients of step <paramref name="step"/> into each parameter, the same for every copy.</summary>
    private static void Gradients(int step, params Parameter[] parameters)
    {
        foreach (var p in parameters)
        {
            var random = new RandomStream((ulong)step, p.Name);
            p.Grad!.CopyFrom(Enumerable.Range(0, p.Size).Select(_ => (float)random.NextGaussian()).ToArray());
        }
    }

    [Theory, MemberData(nameof(Optimizers))]
    public void AScaledParameter_MovesAsUnderTheScaledLearningRate(string name)
    {
        const float lr = 0.05f, s = 0.2f;
        Parameter backbone = Make("backbone", 1), head = Make("head", 2);
        Parameter backboneAlone = Make("backbone", 1), headAlone = Make("head", 2);
        var scaled = Options(name, lr).Create([backbone, head], new Dictionary<string, float> { ["backbone"] = s });
        var slower = Options(name, lr * s).Create([backboneAlone]);
        var plain = Options(name, lr).Create([headAlone]);
        for (int step = 0; step < 4; step++)
        {
            Gradients(step, backbone, head, backboneAlone, headAlone);
            scaled.Step();
            slower.Step();
            plain.Step();
        }
        Assert.Equal(backboneAlone.Value.ToArray(), backbone.Value.ToArray());
        Assert.Equal(headAlone.Value.ToArray(), head.Value.ToArray());
        // The state keeps its names and follows the gradients whatever the scale.
        Assert.Equal(slower.State.Select(st => st.Name).Concat(plain.State.Select(st => st.Name)).Order(), scaled.State.Select(st => st.Name).Order());
    }

    [Theory, MemberData(nameof(Optimizers))]
    public void AScaleOfZero_LeavesTheParameterAsItWas(string name)
    {
        Parameter still = Make("still", 3), moving = Make("moving", 4);
        var before = still.Value.ToArray();
        var movingBefore = moving.Value.ToArray();
        var optimizer = Options(name, 0.1f).Create([still, moving], new Dictionary<string, float> { ["still"] = 0f });
        for (int step = 0; step < 3; step++)
        {
            Gradients(step, still, moving);
            optimizer.Step();
        }
        Assert.Equal(before, still.Value.ToArray());
        Assert.NotEqual(movingBefore, moving.Value.ToArray());
    }

    [Theory, MemberData(nameof(Optimizers))]
    public void AFrozenParameter_IsSkipped_EvenByAnOptimizerThatHoldsIt(string name)
    {
        Parameter frozen = Make("frozen", 5), trained = Make("trained", 6), trainedAlone = Make("trained", 6);
        var before = frozen.Value.ToArray();
        var optimizer = Options(name, 0.1f).Create([frozen, trained]);
        var alone = Options(name, 0.1f).Create([trainedAlone]);
        frozen.Frozen = true;
        for (int step = 0; step < 3; step++)
        {
            Gradients(step, frozen, trained, trainedAlone);
            optimizer.Step();
            alone.Step();
        }
        Assert.Equal(before, frozen.Value.ToArray());
        Assert.Equal(trainedAlone.Value.ToArray(), trained.Value.ToArray());
    }

    [Fact]
    public void ScalesNamingNoParameter_OrNegative_AreRefused()
    {
        Parameter[] parameters = [Make("a", 7)];
        var unknown = Assert.Throws<ArgumentException>(() => new SgdOptions(0.1f).Create(parameters, new Dictionary<string, float> { ["b"] = 0.5f }));
        Assert.Equal("SGD: the learning-rate scales name 'b', which is none of the parameters it updates.", unknown.Message);
        var negative = Assert.Throws<ArgumentException>(() => new AdamOptions().Create(parameters, new Dictionary<string, float> { ["a"] = -0.5f }));
        Assert.Equal("The learning-rate scale of 'a' must be finite and at least 0, got -0.5.", negative.Message);
        Assert.Throws<ArgumentException>(() => new AdamOptions().Create(parameters, new Dictionary<string, float> { ["a"] = float.PositiveInfinity }));
    }
}
