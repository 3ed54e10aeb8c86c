using MlNetConv.Tensors;

namespace MlNetConv.Optimizers;

/// <summary>Updates parameters from their accumulated gradients. State (velocities, moments) is named for checkpoints.</summary>
public interface IOptimizer
{
    float LearningRate { get; set; }

    /// <summary>Number of steps taken so far.</summary>
    int StepCount { get; }

    /// <summary>Updates every parameter that is not <see cref="Parameter.Frozen"/> from its gradient.</summary>
    void Step();

    /// <summary>Every state tensor under a stable name (<c>momentum_buffer.conv1.weight</c>) plus the step count.</summary>
    IReadOnlyList<(string Name, Tensor Value)> State { get; }

    /// <summary>Restores the step count after a checkpoint (state tensors are restored in place).</summary>
    void RestoreStepCount(int steps);
}

/// <summary>An optimizer's hyper-parameters; creates the optimizer for a network's trainable parameters.</summary>
public abstract record OptimizerOptions(float LearningRate)
{
    /// <param name="parameters">what to update (the trainable ones; frozen ones are skipped at each step)</param>
    /// <param name="learningRateScales">a factor on the learning rate by parameter name (missing: 1), e.g. 0.1 for a backbone</param>
    public abstract IOptimizer Create(IReadOnlyList<Parameter> parameters, IReadOnlyDictionary<string, float>? learningRateScales = null);
}
