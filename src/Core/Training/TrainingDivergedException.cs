namespace MlNetConv.Training;

/// <summary>The loss became NaN or infinite: training stops rather than produce a useless model.</summary>
public sealed class TrainingDivergedException(string message) : Exception(message);
