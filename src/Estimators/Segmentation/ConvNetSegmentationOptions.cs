namespace MlNetConv.Estimators;

/// <summary>
/// Options of <see cref="ConvNetSegmentationTrainer"/>: the shared options, where the label column is a mask (H·W
/// class indices per row) and the network a fully convolutional one that outputs (classes, H, W) at the input size.
/// </summary>
public sealed class ConvNetSegmentationOptions : ConvNetOptions
{
    /// <summary>The per-pixel class map added by scoring: a vector of H·W UInt32 class indices.</summary>
    public string PredictedMaskColumnName { get; set; } = Defaults.PredictedMask;

    /// <summary>Per-class weights of the per-pixel cross-entropy (e.g. to count rare classes more), or null for equal weights.</summary>
    public float[]? ClassWeights { get; set; }

    /// <summary>A mask value that marks pixels to leave out of the loss and the metrics (e.g. 255 for "void"), or null.</summary>
    public int? IgnoreLabel { get; set; }

    /// <summary>Class names for reports, in class-index order; "0", "1", ... when null.</summary>
    public string[]? ClassNames { get; set; }
}
