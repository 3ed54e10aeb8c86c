using MlNetConv.Backends;
using MlNetConv.Backends.Cpu;
using MlNetConv.Tensors;

namespace MlNetConv.Conformance;

/// <summary>One check of one kernel family: a body that runs the same calls on any backend and records what came out.</summary>
public sealed record ConformanceCase(string Family, string Name, Action<Results> Body)
{
    public override string ToString() => $"{Family}/{Name}";
}

/// <summary>
/// The backend conformance suite: every kernel family checked against the CPU backend's reference kernels over tiny
/// shapes (strides, padding, dilation, groups, connection tables, odd sizes, batch 1, channel counts off multiples of
/// 16). A case runs once on the reference and once on the subject; the recorded results must agree within
/// <see cref="Tolerance"/> (exactly for indices, masks and error messages).
/// </summary>
public static class BackendConformance
{
    public const string Convolution = "Convolution", Pooling = "Pooling", Dense = "Dense", Activation = "Activation",
        Normalization = "Normalization", Elementwise = "Elementwise", Loss = "Loss", Optimizer = "Optimizer", Training = "Training",
        Segmentation = "Segmentation", Arguments = "Arguments";

    public static IReadOnlyList<string> Families { get; } =
        [Convolution, Pooling, Dense, Activation, Normalization, Elementwise, Loss, Optimizer, Training, Segmentation, Arguments];

    public static IReadOnlyList<ConformanceCase> Cases { get; } =
    [
        .. ConvolutionCases.All, .. PoolingCases.All, .. DenseCases.All, .. ActivationCases.All, .. NormalizationCases.All,
        .. ElementwiseCases.All, .. LossCases.All, .. OptimizerCases.All, .. TrainingCases.All, .. SegmentationCases.All, .. ArgumentCases.All,
    ];

    public static IEnumerable<string> Names(string family) => Cases.Where(c => c.Family == family).Select(c => c.Name);

    public static ConformanceCase Get(string family, string name) =>
        Cases.Single(c => c.Family == family && c.Name == name);

    /// <summary>
    /// Runs a case on the reference (unless given, a CPU backend with the plain reference kernels, the oracle of every
    /// fast one) and on the subject, and compares.
    /// </summary>
    /// <exception cref="ParityException">the results differ</exception>
    public static void Run(ConformanceCase @case, IBackend subject, IBackend? reference = null)
    {
        var expected = new Results(reference ?? new CpuBackend(new CpuBackendOptions { ReferenceKernels = true }));
        @case.Body(expected);
        var actual = new Results(subject);
        @case.Body(actual);
        subject.Synchronize();
        Results.Compare(@case.ToString(), expected, actual);
    }

    /// <summary>Seeded values in [low, high), the same on every run and platform.</summary>
    public static float[] Random(int count, string seed, float low = -1f, float high = 1f)
    {
        var random = new RandomStream(7, seed);
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = low + (high - low) * random.NextFloat();
        return values;
    }

    public static float[] Random(Shape shape, string seed, float low = -1f, float high = 1f) => Random(shape.Size, seed, low, high);
}
