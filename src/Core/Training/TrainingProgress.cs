namespace MlNetConv.Training;

/// <summary>Reported after every mini-batch and at the end of every epoch (with validation figures when there is validation data).</summary>
public sealed record TrainingProgress(
    int Epoch,
    int Epochs,
    int Batch,
    int Batches,
    double Loss,
    double Accuracy,
    double SamplesPerSecond,
    TimeSpan Eta,
    float LearningRate,
    bool EpochCompleted,
    double? ValidationLoss = null,
    double? ValidationAccuracy = null)
{
    public override string ToString() =>
        $"epoch {Epoch}/{Epochs} batch {Batch}/{Batches} loss {Loss:F4} acc {Accuracy:P2}"
        + (ValidationAccuracy is { } va ? $" val_loss {ValidationLoss:F4} val_acc {va:P2}" : "")
        + $" {SamplesPerSecond:F0} samples/s lr {LearningRate:G3} eta {Eta:hh\\:mm\\:ss}";
}
