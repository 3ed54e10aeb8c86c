using MlNetConv.Tensors;
using MlNetConv.Training;

namespace MlNetConv.Data;

/// <summary>One digit of a scene: which MNIST image (its index in the whole set), its class, and where its 28x28 box lies.</summary>
public readonly record struct PlacedDigit(int DigitIndex, int Digit, int Top, int Left);

/// <summary>How <see cref="SegmentationScenes"/> composes scenes; the defaults are the 64x64 scenes the samples train on.</summary>
public sealed record SegmentationSceneOptions
{
    /// <summary>Height and width of the square canvas, at least 28.</summary>
    public int Size { get; init; } = 64;

    public int MinDigits { get; init; } = 2;
    public int MaxDigits { get; init; } = 4;

    /// <summary>A pixel belongs to a digit where the digit's intensity (byte / 255) is above this.</summary>
    public float Threshold { get; init; } = 0.5f;

    /// <summary>Free pixels kept between the ink boxes of two digits.</summary>
    public int Gap { get; init; } = 1;

    /// <summary>Positions tried for one digit before it is left out of its scene.</summary>
    public int Attempts { get; init; } = 100;

    public ulong Seed { get; init; }
}

/// <summary>
/// Semantic segmentation scenes composed from the real MNIST digits of <see cref="MnistDigits"/>: grey images
/// (1, Size, Size) in 0..1 and one label per pixel, 0 for the background and digit + 1 for a digit's pixels (11 classes).
/// <para>How a scene is made. Scene i draws from its own stream, seeded by (Seed, i), so it does not depend on how
/// many scenes are made. It draws the number of digits uniformly from MinDigits..MaxDigits; then for each digit an image
/// uniformly from the allowed range of MNIST indices (with replacement) and up to <see cref="SegmentationSceneOptions.Attempts"/>
/// positions of its 28x28 box, uniform over the canvas (top and left in 0..Size-28). A position is taken when the
/// digit's ink box (the bounding box of its pixels above zero) keeps <see cref="SegmentationSceneOptions.Gap"/> free
/// pixels to the ink box of every digit already placed; a digit that finds no such position is left out. So digits
/// never touch, though their 28x28 boxes may overlap in the blank margins. The image is the maximum of the placed
/// digits' intensities (their ink never coincides), the background 0. The label of a pixel is digit + 1 where that
/// digit's intensity exceeds <see cref="SegmentationSceneOptions.Threshold"/> (0.5: bytes 128..255), else 0: the faint
/// anti-aliased rim of each stroke is background.</para>
/// <para>Training scenes use only MNIST indices 0..7999 and test scenes only 8000..9999 (<see cref="Train"/>,
/// <see cref="Test"/>), the split the classification samples use, so no test digit is seen in training.</para>
/// </summary>
public sealed class SegmentationScenes
{
    public const int Classes = 11;
    public const int Background = 0;
    public const int TrainFirst = 0, TrainCount = 8000, TestFirst = 8000, TestCount = 2000;

    private SegmentationScenes(int size, float[] images, int[] labels, PlacedDigit[][] digits)
    {
        Size = size;
        Images = images;
        Labels = labels;
        Digits = digits;
    }

    public int Count => Digits.Count;
    public int Size { get; }

    /// <summary>Count × Size × Size intensities in 0..1, scene after scene, row-major.</summary>
    public float[] Images { get; }

    /// <summary>Count × Size × Size labels in 0..10.</summary>
    public int[] Labels { get; }

    /// <summary>The digits of every scene, in the order they were placed.</summary>
    public IReadOnlyList<PlacedDigit[]> Digits { get; }

    /// <summary>(1, Size, Size).</summary>
    public Shape SampleShape => new(1, Size, Size);

    /// <summary>The scenes as training data: features (1, Size, Size) and Size·Size labels per sample.</summary>
    public IDataset ToDataset() => new InMemoryDataset(Images, Labels, SampleShape, Size * Size);

    /// <summary>Scenes from training digits only (MNIST indices 0..7999).</summary>
    public static SegmentationScenes Train(MnistDigits digits, int scenes, SegmentationSceneOptions? options = null) =>
        Generate(digits, TrainFirst, TrainCount, scenes, options);

    /// <summary>Scenes from held-out digits only (MNIST indices 8000..9999).</summary>
    public static SegmentationScenes Test(MnistDigits digits, int scenes, SegmentationSceneOptions? options = null) =>
        Generate(digits, TestFirst, TestCount, scenes, options);

    /// <summary>Scenes whose digits come from MNIST indices firstDigit..firstDigit + digitCount - 1.</summary>
    public static SegmentationScenes Generate(MnistDigits digits, int firstDigit, int digitCount, int scenes, SegmentationSceneOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(digits);
        var o = options ?? new SegmentationSceneOptions();
        if (firstDigit < 0 || digitCount <= 0 || firstDigit + digitCount > digits.Count)
            throw new ArgumentOutOfRangeException(nameof(digitCount), $"Digits {firstDigit}..{firstDigit + digitCount - 1} are not all in the set of {digits.Count}.");
        if (scenes < 0) throw new ArgumentOutOfRangeException(nameof(scenes), $"The number of scenes must be >= 0, got {scenes}.");
        if (o.Size < MnistDigits.Rows) throw new ArgumentException($"Scenes must be at least {MnistDigits.Rows} pixels wide, got {o.Size}.", nameof(options));
        if (o.MinDigits < 1 || o.MaxDigits < o.MinDigits)
            throw new ArgumentException($"Digits per scene must satisfy 1 <= min <= max, got {o.MinDigits}..{o.MaxDigits}.", nameof(options));
        if (o.Threshold is < 0f or >= 1f) throw new ArgumentException($"The threshold must be in [0, 1), got {o.Threshold}.", nameof(options));
        if (o.Gap < 0 || o.Attempts < 1) throw new ArgumentException("The gap must be >= 0 and the attempts >= 1.", nameof(options));

        int size = o.Size, plane = size * size;
        var images = new float[scenes * plane];
        var labels = new int[scenes * plane];
        var placed = new PlacedDigit[scenes][];
        var pixels = digits.Pixels.Span;
        var inkBoxes = new Dictionary<int, Box>();
        for (int s = 0; s < scenes; s++)
        {
            var random = new RandomStream(RandomStream.Combine(o.Seed, (ulong)s));
            int wanted = o.MinDigits + random.NextInt(o.MaxDigits - o.MinDigits + 1);
            var boxes = new List<Box>();
            var scene = new List<PlacedDigit>();
            for (int d = 0; d < wanted; d++)
            {
                int index = firstDigit + random.NextInt(digitCount);
                if (!inkBoxes.TryGetValue(index, out var ink)) inkBoxes[index] = ink = InkBox(pixels.Slice(index * MnistDigits.PixelsPerImage, MnistDigits.PixelsPerImage));
                for (int attempt = 0; attempt < o.Attempts; attempt++)
                {
                    int top = random.NextInt(size - MnistDigits.Rows + 1), left = random.NextInt(size - MnistDigits.Columns + 1);
                    var box = ink.Shift(top, left);
                    if (boxes.Any(b => b.Near(box, o.Gap))) continue;
                    boxes.Add(box);
                    scene.Add(new PlacedDigit(index, digits.Label(index), top, left));
                    break;
                }
            }
            placed[s] = [.. scene];
            Paint(pixels, placed[s], o.Threshold, size, images.AsSpan(s * plane, plane), labels.AsSpan(s * plane, plane));
        }
        return new SegmentationScenes(size, images, labels, placed);
    }

    /// <summary>Draws the digits into one image and its label map.</summary>
    private static void Paint(ReadOnlySpan<byte> pixels, PlacedDigit[] digits, float threshold, int size, Span<float> image, Span<int> label)
    {
        foreach (var d in digits)
        {
            var source = pixels.Slice(d.DigitIndex * MnistDigits.PixelsPerImage, MnistDigits.PixelsPerImage);
            for (int r = 0; r < MnistDigits.Rows; r++)
                for (int c = 0; c < MnistDigits.Columns; c++)
                {
                    float v = source[r * MnistDigits.Columns + c] / 255f;
                    int at = (d.Top + r) * size + d.Left + c;
                    image[at] = Math.Max(image[at], v);
                    if (v > threshold) label[at] = d.Digit + 1;
                }
        }
    }

    /// <summary>The bounding box of a digit's pixels above zero, in its 28x28 frame (the whole frame for a blank image).</summary>
    private static Box InkBox(ReadOnlySpan<byte> image)
    {
        int top = MnistDigits.Rows, bottom = -1, left = MnistDigits.Columns, right = -1;
        for (int r = 0; r < MnistDigits.Rows; r++)
            for (int c = 0; c < MnistDigits.Columns; c++)
                if (image[r * MnistDigits.Columns + c] > 0)
                {
                    (top, bottom) = (Math.Min(top, r), Math.Max(bottom, r));
                    (left, right) = (Math.Min(left, c), Math.Max(right, c));
                }
        return bottom < 0 ? new Box(0, 0, MnistDigits.Rows - 1, MnistDigits.Columns - 1) : new Box(top, left, bottom, right);
    }

    /// <summary>Inclusive pixel bounds.</summary>
    private readonly record struct Box(int Top, int Left, int Bottom, int Right)
    {
        public Box Shift(int rows, int columns) => new(Top + rows, Left + columns, Bottom + rows, Right + columns);

        /// <summary>Closer than <paramref name="gap"/> free pixels along both axes (overlapping counts).</summary>
        public bool Near(Box other, int gap) =>
            Left <= other.Right + gap && other.Left <= Right + gap && Top <= other.Bottom + gap && other.Top <= Bottom + gap;
    }
}
