using MlNetConv.Preprocessing;
using MlNetConv.Tensors;

namespace MlNetConv.Core.Tests.Preprocessing;

public class ImageAugmentationTests
{
    private static float[] Random(int count, ulong seed)
    {
        var random = new RandomStream(seed);
        return [.. Enumerable.Range(0, count).Select(_ => random.NextFloat())];
    }

    [Fact]
    public void TheSameSeedGivesTheSameBatchAndAnotherSeedAnother()
    {
        var shape = new Shape(3, 9, 7);
        var augmentation = new ImageAugmentation { CropPadding = 2, HorizontalFlip = true, RotationDegrees = 15, Scale = 0.1f, Brightness = 0.1f, Contrast = 0.1f, PcaLighting = 0.1f, NoiseStd = 0.01f };
        var input = Random(4 * shape.Size, 1);
        float[] Run(ulong seed)
        {
            var batch = (float[])input.Clone();
            augmentation.Apply(batch, shape, 4, seed);
            return batch;
        }
        Assert.Equal(Run(5), Run(5));
        Assert.NotEqual(Run(5), Run(6));
        Assert.NotEqual(input, Run(5));
    }

    [Fact]
    public void NothingEnabledChangesNothing()
    {
        var shape = new Shape(1, 5, 5);
        var input = Random(3 * shape.Size, 2);
        var batch = (float[])input.Clone();
        new ImageAugmentation().Apply(batch, shape, 3, 9);
        Assert.Equal(input, batch);
    }

    [Fact]
    public void CropPaddingShiftsEachSampleByAnIntegerOffsetWithinThePadding()
    {
        var shape = new Shape(2, 6, 8);
        var input = Random(5 * shape.Size, 3);
        var batch = (float[])input.Clone();
        new ImageAugmentation { CropPadding = 2 }.Apply(batch, shape, 5, 11);
        var shifted = new float[shape.Size];
        for (int i = 0; i < 5; i++)
        {
            var source = input.AsSpan(i * shape.Size, shape.Size).ToArray();
            var actual = batch.AsSpan(i * shape.Size, shape.Size).ToArray();
            bool found = false;
            for (int dy = -2; dy <= 2 && !found; dy++)
                for (int dx = -2; dx <= 2 && !found; dx++)
                {
                    ImageAugmentation.Shift(source, shifted, shape, dy, dx, flip: false);
                    found = shifted.SequenceEqual(actual);
                }
            Assert.True(found, $"sample {i} is not a shift of its input by at most 2 pixels");
        }
    }

    [Fact]
    public void A90DegreeRotationMovesPixelsWhereTheGeometrySays()
    {
        var shape = new Shape(1, 5, 5);
        var source = Random(shape.Size, 4);
        var rotated = new float[shape.Size];
        ImageAugmentation.Affine(source, rotated, shape, 90, 1, 0, 0, flip: false);
        // Output (y, x) samples source (cy + (x - cx), cx - (y - cy)) = (x, 4 - y) on a 5x5 grid.
        for (int y = 0; y < 5; y++)
            for (int x = 0; x < 5; x++)
                Assert.Equal(source[x * 5 + (4 - y)], rotated[y * 5 + x], 5);
    }

    [Fact]
    public void ZoomingInByTwoSamplesTheCentreHalfBilinearly()
    {
        var shape = new Shape(1, 5, 5);
        var source = Random(shape.Size, 5);
        var zoomed = new float[shape.Size];
        ImageAugmentation.Affine(source, zoomed, shape, 0, 2, 0, 0, flip: false);
        Assert.Equal(source[12], zoomed[12], 6); // the centre stays
        Assert.Equal(source[6], zoomed[0], 5); // output (0, 0) samples source (1, 1)
        Assert.Equal((source[6] + source[7]) / 2, zoomed[1], 5); // (0, 1) samples (1, 1.5)
        Assert.Equal((source[6] + source[7] + source[11] + source[12]) / 4, zoomed[6], 5); // (1, 1) samples (1.5, 1.5)
    }

    [Fact]
    public void PcaLightingAddsOneRgbOffsetPerSampleAlongThePrincipalComponents()
    {
        var shape = new Shape(3, 4, 4);
        var input = Random(2 * shape.Size, 6);
        var batch = (float[])input.Clone();
        var augmentation = new ImageAugmentation { PcaLighting = 0.1f };
        augmentation.Apply(batch, shape, 2, 21);
        for (int i = 0; i < 2; i++)
        {
            var offset = new float[3];
            for (int c = 0; c < 3; c++)
            {
                int at = i * shape.Size + c * 16;
                offset[c] = batch[at] - input[at];
                for (int j = 1; j < 16; j++) Assert.Equal(offset[c], batch[at + j] - input[at + j], 5);
            }
            Assert.True(offset.Any(o => Math.Abs(o) > 1e-5f), "no lighting noise was added");
            Assert.True(offset.All(o => Math.Abs(o) < 0.2f), "lighting noise far larger than 0.1 x the eigenvalues allows");
        }
        Assert.Throws<ArgumentException>(() => augmentation.Apply(new float[16], new Shape(1, 4, 4), 1, 0));
    }
}
