namespace MlNetConv.Optimizers;

/// <summary>The learning rate as a function of training progress; epoch is fractional (2.5 = half-way through the third epoch).</summary>
public interface ILearningRateSchedule
{
    float LearningRate(float baseRate, double epoch);
}

/// <summary>The usual schedules.</summary>
public static class LearningRateSchedules
{
    public static ILearningRateSchedule Constant() => new StepDecay(int.MaxValue, 1f);

    /// <summary>Multiplies the rate by gamma every stepSize epochs (PyTorch's StepLR).</summary>
    public static ILearningRateSchedule Step(int stepSize, float gamma = 0.1f) =>
        stepSize > 0 ? new StepDecay(stepSize, gamma) : throw new ArgumentException("Step size must be positive.", nameof(stepSize));

    /// <summary>Cosine annealing from the base rate to minRate over totalEpochs, per step.</summary>
    public static ILearningRateSchedule Cosine(int totalEpochs, float minRate = 0f) =>
        totalEpochs > 0 ? new CosineDecay(totalEpochs, minRate) : throw new ArgumentException("Total epochs must be positive.", nameof(totalEpochs));

    /// <summary>Linear warm-up from 0 to the scheduled rate over warmupEpochs, then the inner schedule.</summary>
    public static ILearningRateSchedule LinearWarmup(double warmupEpochs, ILearningRateSchedule? then = null) =>
        warmupEpochs > 0 ? new Warmup(warmupEpochs, then ?? Constant()) : throw new ArgumentException("Warm-up must be positive.", nameof(warmupEpochs));

    private sealed record StepDecay(int StepSize, float Gamma) : ILearningRateSchedule
    {
        public float LearningRate(float baseRate, double epoch) => baseRate * MathF.Pow(Gamma, (int)(epoch / StepSize));
    }

    private sealed record CosineDecay(int TotalEpochs, float MinRate) : ILearningRateSchedule
    {
        public float LearningRate(float baseRate, double epoch) =>
            MinRate + (baseRate - MinRate) * 0.5f * (1f + (float)Math.Cos(Math.PI * Math.Min(epoch, TotalEpochs) / TotalEpochs));
    }

    private sealed record Warmup(double WarmupEpochs, ILearningRateSchedule Then) : ILearningRateSchedule
    {
        public float LearningRate(float baseRate, double epoch) =>
            Then.LearningRate(baseRate, epoch) * (float)Math.Min(1.0, epoch / WarmupEpochs);
    }
}
