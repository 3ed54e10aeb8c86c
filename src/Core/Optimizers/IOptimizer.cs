using MlNetConv.Tensors;

namespace MlNetConv.Optimizers;

/// <summary>Updates parameters from their accumulated gradients. State (velocities, moments) is named for checkpoints.</summary>
public interface IOptimizer
{
    float LearningRate { get; set; }

    /// <summary>Number of steps taken so far.</summary>
    int StepCount { get; }

    void Step();

    /// <summary>Every state tensor under a stable name (<c>momentum_buffer.conv1.weight</c>) plus the step count.</summary>
    IReadOnlyList<(string Name, Tensor Value)> State { get; }

    /// <summary>Restores the step count after a checkpoint (state tensors are restored in place).</summary>
    void RestoreStepCount(int steps);
}

/// <summary>An optimizer's hyper-parameters; creates the optimizer for a network's trainable parameters.</summary>
public abstract record OptimizerOptions(float LearningRate)
{
    public abstract IOptimizer Create(IReadOnlyList<Parameter> parameters);
}
