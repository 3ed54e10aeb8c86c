namespace MlNetConv.Training;

/// <summary>Mean loss over samples and accuracy over labelled items, accumulated batch by batch.</summary>
internal struct RunningMetrics
{
    public RunningMetrics(double lossSum, int samples, long hits, long items)
    {
        LossSum = lossSum;
        Samples = samples;
        Hits = hits;
        Items = items;
    }

    /// <summary>Each batch's mean loss times its samples, summed.</summary>
    public double LossSum { get; private set; }
    public int Samples { get; private set; }

    /// <summary>Labelled items predicted right, and all labelled items.</summary>
    public long Hits { get; private set; }
    public long Items { get; private set; }

    public readonly double Loss => LossSum / Math.Max(1, Samples);
    public readonly double Accuracy => (double)Hits / Math.Max(1, Items);

    /// <param name="loss">the batch's mean loss</param>
    /// <param name="samples">samples in the batch</param>
    /// <param name="correct">labelled items predicted right, and all labelled items</param>
    public void Add(double loss, int samples, (int Hits, int Items) correct)
    {
        LossSum += loss * samples;
        Samples += samples;
        Hits += correct.Hits;
        Items += correct.Items;
    }

    public readonly Evaluation ToEvaluation() => new(Loss, Accuracy, Samples);
}
