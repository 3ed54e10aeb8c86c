using MlNetConv.Data;
using MlNetConv.Tensors;

namespace MlNetConv.Tests.Data;

/// <summary>The segmentation scenes: deterministic, labels consistent with the pixels, train and test digits apart.</summary>
public sealed class SegmentationScenesTests
{
    private static readonly Lazy<MnistDigits> Digits = new(() => MnistDigits.Load(MnistDigits.FindDefault()));
    private static readonly Lazy<SegmentationScenes> Train = new(() => SegmentationScenes.Train(Digits.Value, 200, new() { Seed = 1 }));

    [Fact]
    public void SameSeed_SameScenes_AndASceneDoesNotDependOnHowManyAreMade()
    {
        var again = SegmentationScenes.Train(Digits.Value, 200, new() { Seed = 1 });
        var fewer = SegmentationScenes.Train(Digits.Value, 20, new() { Seed = 1 });
        var other = SegmentationScenes.Train(Digits.Value, 20, new() { Seed = 2 });

        Assert.Equal(Train.Value.Images, again.Images);
        Assert.Equal(Train.Value.Labels, again.Labels);
        Assert.Equal(Train.Value.Images.AsSpan(0, fewer.Images.Length).ToArray(), fewer.Images);
        Assert.Equal(Train.Value.Digits.Take(20).SelectMany(d => d), fewer.Digits.SelectMany(d => d));
        Assert.NotEqual(fewer.Labels, other.Labels);
    }

    [Fact]
    public void LabelsAndPixels_FollowThePlacedDigits()
    {
        var scenes = Train.Value;
        var pixels = Digits.Value.Pixels.Span;
        for (int s = 0; s < scenes.Count; s++)
        {
            var image = new float[64 * 64];
            var label = new int[64 * 64];
            foreach (var d in scenes.Digits[s])
            {
                Assert.Equal(Digits.Value.Label(d.DigitIndex), d.Digit);
                for (int r = 0; r < 28; r++)
                    for (int c = 0; c < 28; c++)
                    {
                        byte v = pixels[d.DigitIndex * 784 + r * 28 + c];
                        int at = (d.Top + r) * 64 + d.Left + c;
                        if (v == 0) continue;
                        Assert.Equal(0f, image[at]);   // ink of two digits never meets
                        image[at] = v / 255f;
                        label[at] = v >= 128 ? d.Digit + 1 : 0;
                    }
            }
            Assert.Equal(image, scenes.Images.AsSpan(s * 4096, 4096).ToArray());
            Assert.Equal(label, scenes.Labels.AsSpan(s * 4096, 4096).ToArray());
        }
    }

    [Fact]
    public void DigitsPerScene_StayInTheRangeAndMostScenesGetAllTheyDraw()
    {
        var counts = Train.Value.Digits.Select(d => d.Length).ToArray();

        Assert.All(counts, c => Assert.InRange(c, 1, 4));
        Assert.True(counts.Count(c => c >= 2) >= 0.95 * counts.Length, $"scenes with at least two digits: {counts.Count(c => c >= 2)} of {counts.Length}");
        Assert.Equal(Enumerable.Range(2, 3), counts.Distinct().Where(c => c >= 2).Order());
        // Every class occurs, and digit pixels are a minority as in real scenes.
        var histogram = new int[SegmentationScenes.Classes];
        foreach (int l in Train.Value.Labels) histogram[l]++;
        Assert.All(histogram, h => Assert.True(h > 0));
        Assert.InRange(histogram[0] / (double)Train.Value.Labels.Length, 0.8, 0.97);
    }

    [Fact]
    public void TrainAndTestScenes_UseDisjointDigits()
    {
        var test = SegmentationScenes.Test(Digits.Value, 200, new() { Seed = 1 });

        Assert.All(Train.Value.Digits.SelectMany(d => d), d => Assert.InRange(d.DigitIndex, 0, 7999));
        Assert.All(test.Digits.SelectMany(d => d), d => Assert.InRange(d.DigitIndex, 8000, 9999));
    }

    [Fact]
    public void Dataset_HasOneLabelPerPixel()
    {
        var data = Train.Value.ToDataset();
        var features = new float[2 * 4096];
        var labels = new int[2 * 4096];

        data.CopyBatch([3, 5], features, labels);

        Assert.Equal(new Shape(1, 64, 64), data.SampleShape);
        Assert.Equal(4096, data.LabelsPerSample);
        Assert.Equal(Train.Value.Labels.AsSpan(5 * 4096, 4096).ToArray(), labels.AsSpan(4096).ToArray());
    }
}
