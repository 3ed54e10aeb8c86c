using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetConv.Transforms;

namespace MlNetConv.Estimators;

/// <summary>
/// A trained segmentation network in an ML.NET pipeline: adds Score (per-pixel class probabilities, a vector with
/// dimensions (classes, H, W)) and PredictedMask (the most probable class of each pixel, UInt32 with dimensions (H, W)).
/// </summary>
public sealed class ConvNetSegmentationTransformer : ConvNetTransformer
{
    internal ConvNetSegmentationTransformer(ConvNetModel model, string featureColumn, ImagePreprocessing? imagePreprocessing, string scoreColumn, string predictedMaskColumn,
        IReadOnlyList<string>? classNames, int batchSize = 64)
        : base(model, featureColumn, imagePreprocessing, batchSize)
    {
        if (model.OutputShape.Rank != 3)
            throw new ArgumentException($"A segmentation network must output (N, classes, H, W), this one outputs (N, {string.Join(", ", model.OutputShape)}).", nameof(model));
        ScoreColumnName = scoreColumn;
        PredictedMaskColumnName = predictedMaskColumn;
        ClassNames = classNames is { } names && names.Count == model.ClassCount ? [.. names] : [.. Enumerable.Range(0, model.ClassCount).Select(i => i.ToString())];
    }

    public string ScoreColumnName { get; }
    public string PredictedMaskColumnName { get; }
    public IReadOnlyList<string> ClassNames { get; }
    public int Height => Model.OutputShape[1];
    public int Width => Model.OutputShape[2];

    private protected override void Save(ModelSaveContext ctx) => Persistence.ModelPersistence.Save(this, ctx);

    private protected override void AddOutputColumns(DataViewSchema.Builder builder)
    {
        builder.AddColumn(ScoreColumnName, new VectorDataViewType(NumberDataViewType.Single, Model.ClassCount, Height, Width));
        builder.AddColumn(PredictedMaskColumnName, new VectorDataViewType(NumberDataViewType.UInt32, Height, Width));
    }

    internal override ValueGetter<TValue> OutputGetter<TValue>(int output, ScoresSource scores)
    {
        if (output == 0) return ScoringColumns.VectorGetter<TValue>(scores);
        int pixels = Height * Width;
        ValueGetter<VBuffer<uint>> mask = (ref VBuffer<uint> v) =>
        {
            var editor = VBufferEditor.Create(ref v, pixels);
            ArgMaxPerPixel(scores(), pixels, editor.Values);
            v = editor.Commit();
        };
        return (ValueGetter<TValue>)(Delegate)mask;
    }

    /// <summary>The most probable class of each pixel.</summary>
    /// <param name="scores">(classes, pixels) probabilities</param>
    /// <param name="mask">(pixels), overwritten</param>
    internal static void ArgMaxPerPixel(ReadOnlySpan<float> scores, int pixels, Span<uint> mask)
    {
        int classes = scores.Length / pixels;
        for (int j = 0; j < pixels; j++)
        {
            int best = 0;
            for (int c = 1; c < classes; c++)
                if (scores[c * pixels + j] > scores[best * pixels + j]) best = c;
            mask[j] = (uint)best;
        }
    }
}
