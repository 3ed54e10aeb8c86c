using MlNetConv.Tensors;

namespace MlNetConv.Optimizers;

/// <summary>SGD with momentum, Nesterov momentum and L2 weight decay (PyTorch's torch.optim.SGD semantics).</summary>
public sealed record SgdOptions(float LearningRate = 0.01f, float Momentum = 0f, float WeightDecay = 0f, bool Nesterov = false)
    : OptimizerOptions(LearningRate)
{
    public override IOptimizer Create(IReadOnlyList<Parameter> parameters, IReadOnlyDictionary<string, float>? learningRateScales = null) =>
        new Sgd(parameters, this, learningRateScales);
}

public sealed class Sgd : IOptimizer
{
    private readonly Parameter[] _parameters;
    private readonly Tensor?[] _velocity;
    private readonly SgdOptions _options;
    private readonly float[] _scales;

    /// <param name="learningRateScales">a factor on the learning rate by parameter name (missing: 1)</param>
    public Sgd(IReadOnlyList<Parameter> parameters, SgdOptions options, IReadOnlyDictionary<string, float>? learningRateScales = null)
    {
        if (options.LearningRate <= 0 || options.Momentum < 0 || options.WeightDecay < 0)
            throw new ArgumentException($"SGD: learning rate must be > 0, momentum and weight decay >= 0 (got {options}).");
        if (options.Nesterov && options.Momentum == 0) throw new ArgumentException("SGD: Nesterov momentum needs momentum > 0.");
        _options = options;
        _parameters = parameters.Where(p => p.Trainable).ToArray();
        _velocity = _parameters.Select(p => options.Momentum != 0 ? p.Value.Backend.Allocate(p.Shape) : null).ToArray();
        _scales = LearningRateScales.For(_parameters, learningRateScales, "SGD");
        LearningRate = options.LearningRate;
    }

    public float LearningRate { get; set; }
    public int StepCount { get; private set; }

    public void Step()
    {
        for (int i = 0; i < _parameters.Length; i++)
        {
            var p = _parameters[i];
            if (p.Frozen) continue;
            p.Value.Backend.Optimizer.SgdStep(p.Value, p.Grad!, _velocity[i], LearningRate * _scales[i], _options.Momentum, _options.WeightDecay, _options.Nesterov);
        }
        StepCount++;
    }

    public IReadOnlyList<(string Name, Tensor Value)> State =>
        _parameters.Select((p, i) => ("momentum_buffer." + p.Name, _velocity[i])).Where(s => s.Item2 is not null).Select(s => (s.Item1, s.Item2!)).ToArray();

    public void RestoreStepCount(int steps) => StepCount = steps;
}
