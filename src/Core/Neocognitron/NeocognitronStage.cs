namespace MlNetConv.Neocognitron;

/// <summary>One S/C stage (U_S l, U_C l): the S-layer's connection area, thresholds, plane cap and competition area, and
/// the C-layer's blur.</summary>
public sealed record NeocognitronStage
{
    /// <summary>The most planes learning may create (the 2013 paper lets add-if-silent decide; a cap bounds the cost).</summary>
    public int MaxPlanes { get; init; } = 16;

    /// <summary>Side of the S-cells' (odd, square) connection area.</summary>
    public int KernelSize { get; init; } = 5;

    /// <summary>θ_L: the threshold while learning (higher: more planes, each narrower).</summary>
    public float LearningTheta { get; init; } = 0.7f;

    /// <summary>θ_R: the threshold while recognising, below θ_L (Fukushima's dual thresholds).</summary>
    public float RecognitionTheta { get; init; } = 0.55f;

    /// <summary>Side of the square areas in which S-cells compete (one winner, or one seed, per area).</summary>
    public int CompetitionArea { get; init; } = 7;

    /// <summary>Side of the C-cells' blurring window.</summary>
    public int CKernelSize { get; init; } = 5;

    /// <summary>The C-layer's subsampling step.</summary>
    public int CStride { get; init; } = 2;

    /// <summary>Scale of the blurred sum before the saturation ψ.</summary>
    public float CGain { get; init; } = 1f;
}
