using MlNetConv.Tensors;

namespace MlNetConv.Optimizers;

/// <summary>
/// Adam (Kingma and Ba 2015) with L2 weight decay added to the gradient, or AdamW (Loshchilov and Hutter 2019) with
/// decay decoupled from the gradient when <see cref="Decoupled"/> is set.
/// </summary>
public record AdamOptions(float LearningRate = 1e-3f, float Beta1 = 0.9f, float Beta2 = 0.999f, float Epsilon = 1e-8f,
    float WeightDecay = 0f, bool Decoupled = false) : OptimizerOptions(LearningRate)
{
    public override IOptimizer Create(IReadOnlyList<Parameter> parameters, IReadOnlyDictionary<string, float>? learningRateScales = null) =>
        new Adam(parameters, this, learningRateScales);
}

/// <summary>AdamW: Adam with decoupled weight decay (default 0.01, as in PyTorch).</summary>
public sealed record AdamWOptions(float LearningRate = 1e-3f, float Beta1 = 0.9f, float Beta2 = 0.999f, float Epsilon = 1e-8f,
    float WeightDecay = 0.01f) : AdamOptions(LearningRate, Beta1, Beta2, Epsilon, WeightDecay, true);

public sealed class Adam : IOptimizer
{
    private readonly Parameter[] _parameters;
    private readonly Tensor[] _m, _v;
    private readonly AdamOptions _options;
    private readonly float[] _scales;

    /// <param name="learningRateScales">a factor on the learning rate by parameter name (missing: 1); it scales the decoupled decay too</param>
    public Adam(IReadOnlyList<Parameter> parameters, AdamOptions options, IReadOnlyDictionary<string, float>? learningRateScales = null)
    {
        if (options.LearningRate <= 0 || options.Beta1 is < 0 or >= 1 || options.Beta2 is < 0 or >= 1 || options.Epsilon <= 0 || options.WeightDecay < 0)
            throw new ArgumentException($"Adam: invalid hyper-parameters {options}.");
        _options = options;
        _parameters = parameters.Where(p => p.Trainable).ToArray();
        _m = _parameters.Select(p => p.Value.Backend.Allocate(p.Shape)).ToArray();
        _v = _parameters.Select(p => p.Value.Backend.Allocate(p.Shape)).ToArray();
        _scales = LearningRateScales.For(_parameters, learningRateScales, "Adam");
        LearningRate = options.LearningRate;
    }

    public float LearningRate { get; set; }
    public int StepCount { get; private set; }

    public void Step()
    {
        StepCount++;
        for (int i = 0; i < _parameters.Length; i++)
        {
            var p = _parameters[i];
            if (p.Frozen) continue;
            p.Value.Backend.Optimizer.AdamStep(p.Value, p.Grad!, _m[i], _v[i], LearningRate * _scales[i], _options.Beta1, _options.Beta2,
                _options.Epsilon, _options.WeightDecay, _options.Decoupled, StepCount);
        }
    }

    public IReadOnlyList<(string Name, Tensor Value)> State =>
        _parameters.SelectMany((p, i) => new[] { ("exp_avg." + p.Name, _m[i]), ("exp_avg_sq." + p.Name, _v[i]) }).ToArray();

    public void RestoreStepCount(int steps) => StepCount = steps;
}
