namespace MlNetConv.Training;

/// <summary>Loss and accuracy of one pass over a data set.</summary>
public readonly record struct Evaluation(double Loss, double Accuracy, int Samples);

/// <summary>One epoch of the training history.</summary>
public sealed record EpochRecord(int Epoch, double Loss, double Accuracy, double? ValidationLoss, double? ValidationAccuracy, float LearningRate, TimeSpan Elapsed);

/// <summary>How training went.</summary>
public sealed record TrainingResult(IReadOnlyList<EpochRecord> History, bool StoppedEarly, int BestEpoch, TimeSpan Elapsed)
{
    public EpochRecord Last => History[^1];
}
