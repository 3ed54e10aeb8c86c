using MlNetConv.Training;

namespace MlNetConv.Samples.LectureFigures;

/// <summary>
/// Training error as cuda-convnet reported it for AlexNet's Figure 1: the share of training images misclassified by the
/// network as it trained on them, here over consecutive windows of 1/<c>windowsPerEpoch</c> epoch. It listens to the
/// trainer's progress, which the trainer reports after every mini-batch on its own thread (an <see cref="IProgress{T}"/>
/// that is not <see cref="Progress{T}"/> is called synchronously), and recovers each window's hits from the epoch's
/// running accuracy.
/// </summary>
internal sealed class TrainingErrorRecorder(int trainingCount, int batchSize, int windowsPerEpoch) : IProgress<TrainingProgress>
{
    private readonly List<(double Epoch, double Error)> _points = [];
    private long _windowStartSamples, _windowStartHits;
    private int _epoch = 1;

    /// <summary>(epochs trained at the window's end, the window's training error).</summary>
    public IReadOnlyList<(double Epoch, double Error)> Points => _points;

    public void Report(TrainingProgress p)
    {
        if (p.EpochCompleted) return;
        if (p.Epoch != _epoch)
        {
            _epoch = p.Epoch;
            _windowStartSamples = _windowStartHits = 0;
        }
        long samples = Math.Min((long)p.Batch * batchSize, trainingCount);
        long hits = (long)Math.Round(p.Accuracy * samples);
        long windowSize = trainingCount / windowsPerEpoch;
        if (samples - _windowStartSamples < windowSize && samples < trainingCount) return;
        double error = 1.0 - (double)(hits - _windowStartHits) / (samples - _windowStartSamples);
        _points.Add((p.Epoch - 1 + (double)samples / trainingCount, error));
        _windowStartSamples = samples;
        _windowStartHits = hits;
    }

    /// <summary>Epochs trained when a window's error first was at most <paramref name="error"/>; null if never.</summary>
    public double? EpochsTo(double error) => _points.FirstOrDefault(p => p.Error <= error) is { Epoch: > 0 } hit ? hit.Epoch : null;
}
