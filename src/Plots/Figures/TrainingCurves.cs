using MlNetConv.Training;

namespace MlNetConv.Plots;

/// <summary>
/// The three panels of a training run over its epochs: loss, accuracy and learning rate, training and validation (when
/// there was a split) as two series. From the trainer's history (<see cref="TrainingResult.History"/>) or from a CSV
/// file of the same columns (<see cref="TrainingHistoryCsv"/>).
/// </summary>
public static class TrainingCurves
{
    /// <param name="logLoss">the loss on a logarithmic axis (every loss must be positive)</param>
    public static LineChart Of(IReadOnlyList<EpochRecord> history, string title = "training", bool logLoss = false)
    {
        ArgumentNullException.ThrowIfNull(history);
        if (history.Count == 0) throw new ArgumentException("Training curves need at least one epoch.", nameof(history));
        if (history.Any(e => e is null)) throw new ArgumentException("The history holds a null epoch.", nameof(history));
        double[] epochs = [.. history.Select(e => (double)e.Epoch)];
        var validation = history.Where(e => e.ValidationLoss is not null && e.ValidationAccuracy is not null).ToList();
        double[] validationEpochs = [.. validation.Select(e => (double)e.Epoch)];
        IReadOnlyList<LineSeries> Pair(Func<EpochRecord, double> training, Func<EpochRecord, double> validated) => validation.Count == 0
            ? [new LineSeries("training", epochs, [.. history.Select(training)])]
            : [new LineSeries("training", epochs, [.. history.Select(training)]), new LineSeries("validation", validationEpochs, [.. validation.Select(validated)])];
        return new LineChart(title, "epoch",
            new LinePanel("loss", Pair(e => e.Loss, e => e.ValidationLoss!.Value)) { LogY = logLoss },
            new LinePanel("accuracy", Pair(e => e.Accuracy, e => e.ValidationAccuracy!.Value)),
            new LinePanel("learning rate", [new LineSeries("learning rate", epochs, [.. history.Select(e => (double)e.LearningRate)]) { Colour = Palette.SeriesColour(2), Marker = Marker.Triangle }]));
    }

    /// <summary>The curves of a history CSV file (<see cref="TrainingHistoryCsv.Read"/>).</summary>
    public static LineChart FromCsv(string path, string? title = null, bool logLoss = false) =>
        Of(TrainingHistoryCsv.Read(path), title ?? Path.GetFileNameWithoutExtension(path), logLoss);
}
