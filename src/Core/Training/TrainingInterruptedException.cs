namespace MlNetConv.Training;

/// <summary>
/// Training was cancelled: it stopped between two steps, after writing a checkpoint of where it stood when a checkpoint
/// path was set (<see cref="CheckpointPath"/>), from which <see cref="TrainerOptions.ResumeFrom"/> continues the run
/// to the weights an uninterrupted run ends with.
/// </summary>
public sealed class TrainingInterruptedException(string message, string? checkpointPath, int epoch, int batch, CancellationToken token)
    : OperationCanceledException(message, token)
{
    /// <summary>The checkpoint written on stopping (a full path), or null when no checkpoint path was set.</summary>
    public string? CheckpointPath { get; } = checkpointPath;

    /// <summary>The epoch under way, from 1.</summary>
    public int Epoch { get; } = epoch;

    /// <summary>The batches of <see cref="Epoch"/> that were done.</summary>
    public int Batch { get; } = batch;
}
