using MlNetConv.Preprocessing;
using MlNetConv.Tensors;

namespace MlNetConv.Samples.LectureFigures;

/// <summary>
/// A test-time distortion of 28x28 digits at several strengths (the first, 0, leaves digits as they are). Where a
/// distortion has a direction (rotation, scaling, translation), each digit draws it from its own seed, so a strength
/// means its size and the test set sees both ways.
/// </summary>
internal sealed record Distortion(string Name, string Strength, float[] Strengths, Distortion.Operation Apply)
{
    /// <param name="source">(1, 28, 28), pixels in [0, 1]</param>
    /// <param name="destination">(1, 28, 28), overwritten</param>
    public delegate void Operation(ReadOnlySpan<float> source, Span<float> destination, float strength, ulong seed);

    public static readonly Shape Digit = new(1, 28, 28);

    /// <summary>Simard et al.'s smoothing for MNIST digits; alpha is the strength.</summary>
    public const float ElasticSigma = 4f;

    public static IReadOnlyList<Distortion> All { get; } =
    [
        new("Gaussian noise", "std (pixels in [0, 1])", [0f, 0.25f, 0.5f, 0.75f, 1f], (source, destination, s, seed) =>
        {
            source.CopyTo(destination);
            new ImageAugmentation { NoiseStd = s }.Apply(destination, Digit, 1, seed);
        }),
        new("rotation", "degrees, either way", [0f, 15f, 30f, 45f, 60f], (source, destination, s, seed) =>
            ImageAugmentation.Affine(source, destination, Digit, Sign(seed) * s, 1f, 0, 0, flip: false)),
        new("scaling", "zoom 1 +/- s", [0f, 0.15f, 0.3f, 0.45f, 0.6f], (source, destination, s, seed) =>
            ImageAugmentation.Affine(source, destination, Digit, 0f, 1f + Sign(seed) * s, 0, 0, flip: false)),
        new("translation", "pixels up, down, left or right", [0f, 2f, 4f, 6f, 8f], (source, destination, s, seed) =>
        {
            int step = (int)s, direction = new RandomStream(seed).NextInt(4);
            ImageAugmentation.Shift(source, destination, Digit, direction switch { 0 => step, 1 => -step, _ => 0 }, direction switch { 2 => step, 3 => -step, _ => 0 }, flip: false);
        }),
        new("elastic distortion", $"alpha (sigma {ElasticSigma})", [0f, 10f, 20f, 30f, 40f], (source, destination, s, seed) =>
            ElasticDistortion.Apply(source, destination, Digit, s, ElasticSigma, seed)),
    ];

    private static float Sign(ulong seed) => new RandomStream(seed).NextInt(2) == 0 ? -1f : 1f;

    /// <summary>Every digit distorted with its own seed, (seed, index).</summary>
    /// <param name="digits">count × (1, 28, 28)</param>
    public float[] ApplyToAll(float[] digits, float strength, ulong seed)
    {
        var result = new float[digits.Length];
        int size = Digit.Size;
        for (int i = 0; i < digits.Length / size; i++)
            Apply(digits.AsSpan(i * size, size), result.AsSpan(i * size, size), strength, RandomStream.Combine(seed, (ulong)i));
        return result;
    }
}
