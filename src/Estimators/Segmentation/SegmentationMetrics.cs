using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetConv.Estimators;

/// <summary>
/// Segmentation quality over labelled pixels: pixel accuracy, intersection over union per class
/// (|truth ∩ predicted| / |truth ∪ predicted|, NaN for a class absent from both) and their mean over the classes
/// that occur, from the confusion matrix (rows: truth, columns: prediction).
/// </summary>
public sealed class SegmentationMetrics
{
    private SegmentationMetrics(long[,] confusion)
    {
        Confusion = confusion;
        int k = confusion.GetLength(0);
        long correct = 0, total = 0;
        var iou = new double[k];
        for (int c = 0; c < k; c++)
        {
            long truth = 0, predicted = 0;
            for (int j = 0; j < k; j++)
            {
                truth += confusion[c, j];
                predicted += confusion[j, c];
                total += confusion[c, j];
            }
            correct += confusion[c, c];
            long union = truth + predicted - confusion[c, c];
            iou[c] = union == 0 ? double.NaN : confusion[c, c] / (double)union;
        }
        PixelAccuracy = total == 0 ? double.NaN : correct / (double)total;
        ClassIoU = iou;
        MeanIoU = iou.Where(v => !double.IsNaN(v)).DefaultIfEmpty(double.NaN).Average();
    }

    public double PixelAccuracy { get; }
    public double MeanIoU { get; }
    public IReadOnlyList<double> ClassIoU { get; }
    public long[,] Confusion { get; }

    /// <summary>Counts truth/prediction pairs; pixels whose truth is <paramref name="ignoreLabel"/> are left out.</summary>
    /// <param name="truth">class indices (H·W)</param>
    /// <param name="predicted">class indices (H·W)</param>
    public static void Accumulate(long[,] confusion, ReadOnlySpan<float> truth, ReadOnlySpan<uint> predicted, int? ignoreLabel = null)
    {
        if (truth.Length != predicted.Length) throw new ArgumentException($"A mask of {truth.Length} pixels against a prediction of {predicted.Length}.");
        int k = confusion.GetLength(0);
        for (int i = 0; i < truth.Length; i++)
        {
            if (ignoreLabel is { } ignore && truth[i] == ignore) continue;
            int t = (int)truth[i];
            if ((uint)t >= (uint)k || t != truth[i]) throw new ArgumentException($"Pixel {i} has label {truth[i]}, expected a class 0..{k - 1}.");
            confusion[t, Math.Min((int)predicted[i], k - 1)]++;
        }
    }

    public static SegmentationMetrics FromConfusion(long[,] confusion) => new((long[,])confusion.Clone());

    /// <summary>The metrics of scored rows: the truth mask column (Single class indices) against the predicted mask column.</summary>
    public static SegmentationMetrics Evaluate(IDataView scored, int classes, string maskColumn = ConvNetOptions.Defaults.Label,
        string predictedMaskColumn = ConvNetOptions.Defaults.PredictedMask, int? ignoreLabel = null)
    {
        var truthColumn = FeatureColumn.Find(scored.Schema, maskColumn, "mask");
        var predictedColumn = FeatureColumn.Find(scored.Schema, predictedMaskColumn, "predicted mask");
        var confusion = new long[classes, classes];
        using var cursor = scored.GetRowCursor([truthColumn, predictedColumn]);
        var readTruth = cursor.GetGetter<VBuffer<float>>(truthColumn);
        var readPredicted = cursor.GetGetter<VBuffer<uint>>(predictedColumn);
        VBuffer<float> truth = default;
        VBuffer<uint> predicted = default;
        float[] t = [];
        uint[] p = [];
        while (cursor.MoveNext())
        {
            readTruth(ref truth);
            readPredicted(ref predicted);
            if (t.Length != truth.Length) t = new float[truth.Length];
            if (p.Length != predicted.Length) p = new uint[predicted.Length];
            truth.CopyTo(t);
            predicted.CopyTo(p);
            Accumulate(confusion, t, p, ignoreLabel);
        }
        return new SegmentationMetrics(confusion);
    }
}
