namespace MlNetConv.Training;

/// <summary>Mean loss over samples and accuracy over labelled items, accumulated batch by batch.</summary>
internal struct RunningMetrics
{
    private double _lossSum;
    private long _hits, _items;

    public int Samples { get; private set; }
    public readonly double Loss => _lossSum / Math.Max(1, Samples);
    public readonly double Accuracy => (double)_hits / Math.Max(1, _items);

    /// <param name="loss">the batch's mean loss</param>
    /// <param name="samples">samples in the batch</param>
    /// <param name="correct">labelled items predicted right, and all labelled items</param>
    public void Add(double loss, int samples, (int Hits, int Items) correct)
    {
        _lossSum += loss * samples;
        Samples += samples;
        _hits += correct.Hits;
        _items += correct.Items;
    }

    public readonly Evaluation ToEvaluation() => new(Loss, Accuracy, Samples);
}
