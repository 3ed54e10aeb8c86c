using MlNetConv.Graphs;
using MlNetConv.Preprocessing;

namespace MlNetConv.Training;

/// <summary>
/// Counts of (label, predicted class) pairs over items — images for classification, pixels for segmentation — with the
/// segmentation metrics of FCN's paper: pixel accuracy Σ_c n_cc / Σ n, and the intersection over union of each class
/// n_cc / (t_c + p_c - n_cc) (t_c labelled c, p_c predicted c), averaged over the classes that occur in the labels or
/// the predictions (mean IoU). Negative labels (ignored items) are not counted.
/// </summary>
public sealed class ConfusionMatrix
{
    private readonly long[] _counts;

    public ConfusionMatrix(int classes)
    {
        if (classes <= 0) throw new ArgumentOutOfRangeException(nameof(classes), $"Classes must be positive, got {classes}.");
        Classes = classes;
        _counts = new long[classes * classes];
    }

    public int Classes { get; }

    /// <summary>Items labelled <paramref name="label"/> and predicted as <paramref name="predicted"/>.</summary>
    public long this[int label, int predicted] => _counts[label * Classes + predicted];

    public long Total => _counts.Sum();

    public void Add(int label, int predicted)
    {
        if (label < 0) return;
        if (label >= Classes || (uint)predicted >= (uint)Classes)
            throw new ArgumentOutOfRangeException(nameof(label), $"Label {label} or prediction {predicted} is outside 0..{Classes - 1}.");
        _counts[label * Classes + predicted]++;
    }

    /// <summary>Adds the arg-max over channels of scores (N, K, spatial...) against labels (N, spatial...).</summary>
    /// <param name="scores">n × K × items-per-sample values</param>
    /// <param name="labels">n × items-per-sample labels</param>
    public void Add(ReadOnlySpan<float> scores, ReadOnlySpan<int> labels, int n)
    {
        int items = labels.Length / n, k = Classes;
        if (items * n != labels.Length || scores.Length != n * k * items)
            throw new ArgumentException($"{scores.Length} scores and {labels.Length} labels do not make {n} samples of {k} classes.");
        for (int i = 0; i < n; i++)
            for (int j = 0; j < items; j++)
            {
                int best = 0;
                for (int c = 1; c < k; c++)
                    if (scores[(i * k + c) * items + j] > scores[(i * k + best) * items + j]) best = c;
                Add(labels[i * items + j], best);
            }
    }

    public double PixelAccuracy
    {
        get
        {
            long hits = 0;
            for (int c = 0; c < Classes; c++) hits += this[c, c];
            long total = Total;
            return total == 0 ? double.NaN : (double)hits / total;
        }
    }

    /// <summary>Intersection over union of one class; NaN where it neither occurs nor is predicted.</summary>
    public double IoU(int c)
    {
        long labelled = 0, predicted = 0;
        for (int other = 0; other < Classes; other++)
        {
            labelled += this[c, other];
            predicted += this[other, c];
        }
        long union = labelled + predicted - this[c, c];
        return union == 0 ? double.NaN : (double)this[c, c] / union;
    }

    public double MeanIoU
    {
        get
        {
            var present = Enumerable.Range(0, Classes).Select(IoU).Where(v => !double.IsNaN(v)).ToArray();
            return present.Length == 0 ? double.NaN : present.Average();
        }
    }

    /// <summary>The confusion of a network's first output (N, K, spatial...) over a data set, in evaluation mode.</summary>
    public static ConfusionMatrix Of(Network network, IDataset data, int batchSize = 64, ChannelNormalization? normalization = null)
    {
        int classes = network.OutputShapes[0].C, sample = data.SampleShape.Size;
        var matrix = new ConfusionMatrix(classes);
        var features = new float[batchSize * sample];
        var labels = new int[batchSize * data.LabelsPerSample];
        var indices = new int[batchSize];
        for (int start = 0; start < data.Count; start += batchSize)
        {
            int n = Math.Min(batchSize, data.Count - start);
            for (int i = 0; i < n; i++) indices[i] = start + i;
            data.CopyBatch(indices.AsSpan(0, n), features.AsSpan(0, n * sample), labels.AsSpan(0, n * data.LabelsPerSample));
            normalization?.Apply(features.AsSpan(0, n * sample), data.SampleShape, n);
            var scores = network.Predict(features.AsSpan(0, n * sample), batchSize);
            matrix.Add(scores, labels.AsSpan(0, n * data.LabelsPerSample), n);
        }
        return matrix;
    }
}
