namespace MlNetConv.Neocognitron;

/// <summary>How <see cref="Neocognitron.Learn"/> builds and trains the network: U_G, then the stages bottom up.</summary>
public sealed record NeocognitronOptions
{
    /// <summary>Side of U_G's centre-surround kernel.</summary>
    public int ContrastKernelSize { get; init; } = 7;
    public float ContrastCentreSigma { get; init; } = 1f;
    public float ContrastSurroundSigma { get; init; } = 2f;

    /// <summary>The S/C stages, bottom up; the defaults suit 28 × 28 digits (28 → 14 → 7 → 4).</summary>
    public IReadOnlyList<NeocognitronStage> Stages { get; init; } =
    [
        new() { MaxPlanes = 16, KernelSize = 5, LearningTheta = 0.75f, RecognitionTheta = 0.6f, CompetitionArea = 7, CGain = 8f },
        new() { MaxPlanes = 64, KernelSize = 5, LearningTheta = 0.75f, RecognitionTheta = 0.55f, CompetitionArea = 7, CGain = 8f },
        new() { MaxPlanes = 128, KernelSize = 5, LearningTheta = 0.7f, RecognitionTheta = 0.5f, CompetitionArea = 4, CKernelSize = 3, CGain = 8f },
    ];

    /// <summary>q, the learning rate of <see cref="CompetitiveLearning"/>: large, so that the S-cells compare directions.</summary>
    public float LearningRate { get; init; } = 1e4f;

    /// <summary>How many training images each stage sees (drawn without repetition in a seeded order).</summary>
    public int ImagesPerStage { get; init; } = 3000;

    /// <summary>See <see cref="CompetitiveLearning.Present"/>.</summary>
    public float SeedFloor { get; init; } = 0.5f;

    /// <summary>Images per forward pass through the stages already learned.</summary>
    public int BatchSize { get; init; } = 100;

    /// <summary>Orders the training images; the same seed gives the same model.</summary>
    public ulong Seed { get; init; } = 1;
}
