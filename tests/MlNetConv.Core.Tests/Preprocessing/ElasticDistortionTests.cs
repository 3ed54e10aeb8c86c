using MlNetConv.Preprocessing;
using MlNetConv.Tensors;

namespace MlNetConv.Core.Tests.Preprocessing;

public class ElasticDistortionTests
{
    private static readonly Shape Image = new(2, 12, 10);

    private static float[] Random(int count, ulong seed)
    {
        var random = new RandomStream(seed);
        return [.. Enumerable.Range(0, count).Select(_ => random.NextFloat())];
    }

    private static float[] Distort(float[] source, float alpha, float sigma, ulong seed)
    {
        var destination = new float[source.Length];
        ElasticDistortion.Apply(source, destination, Image, alpha, sigma, seed);
        return destination;
    }

    [Fact]
    public void ZeroAlphaIsTheIdentity()
    {
        var source = Random(Image.Size, 1);
        Assert.Equal(source, Distort(source, 0f, 4f, 7));
        Assert.Equal(source, Distort(source, 0f, 0.5f, 8));
    }

    [Fact]
    public void TheSameSeedGivesTheSameImageAndAnotherSeedAnother()
    {
        var source = Random(Image.Size, 2);
        var first = Distort(source, 6f, 2f, 11);
        Assert.Equal(first, Distort(source, 6f, 2f, 11));
        Assert.NotEqual(first, Distort(source, 6f, 2f, 12));
        Assert.NotEqual(source, first);
    }

    [Theory]
    [InlineData(2, 1)]
    [InlineData(-3, 0)]
    [InlineData(0, -4)]
    [InlineData(1, 2)]
    public void AConstantFieldIsAShift(int dy, int dx)
    {
        var source = Random(Image.Size, 3);
        int plane = Image[1] * Image[2];
        var shifted = new float[Image.Size];
        var displaced = new float[Image.Size];
        ImageAugmentation.Shift(source, shifted, Image, dy, dx, flip: false);
        ElasticDistortion.Displace(source, displaced, Image, Enumerable.Repeat((float)dy, plane).ToArray(), Enumerable.Repeat((float)dx, plane).ToArray());
        Assert.Equal(shifted, displaced);
    }

    [Fact]
    public void AHalfPixelFieldAveragesNeighbours()
    {
        var shape = new Shape(1, 3, 4);
        float[] source = [.. Enumerable.Range(0, 12).Select(i => (float)i)];
        var displaced = new float[12];
        ElasticDistortion.Displace(source, displaced, shape, new float[12], Enumerable.Repeat(0.5f, 12).ToArray());
        for (int y = 0; y < 3; y++)
        {
            for (int x = 0; x < 3; x++) Assert.Equal((source[y * 4 + x] + source[y * 4 + x + 1]) / 2, displaced[y * 4 + x], 5);
            Assert.Equal(source[y * 4 + 3] / 2, displaced[y * 4 + 3], 5); // half of the last column reads the zero outside
        }
    }

    [Fact]
    public void TheFieldIsProportionalToAlphaAndBoundedByIt()
    {
        int h = Image[1], w = Image[2];
        float[] y1 = new float[h * w], x1 = new float[h * w], y3 = new float[h * w], x3 = new float[h * w];
        ElasticDistortion.RandomField(h, w, 1f, 1.5f, 5, y1, x1);
        ElasticDistortion.RandomField(h, w, 3f, 1.5f, 5, y3, x3);
        for (int i = 0; i < h * w; i++)
        {
            Assert.Equal(3f * y1[i], y3[i], 5);
            Assert.Equal(3f * x1[i], x3[i], 5);
            // A weighted mean of U(-1, 1) draws stays within ±1 before scaling.
            Assert.InRange(y1[i], -1f, 1f);
            Assert.InRange(x1[i], -1f, 1f);
        }
        Assert.NotEqual(y1, x1);
    }

    [Fact]
    public void ALargerSigmaGivesASmootherField()
    {
        int h = 28, w = 28;
        double Roughness(float sigma)
        {
            float[] fy = new float[h * w], fx = new float[h * w];
            ElasticDistortion.RandomField(h, w, 1f, sigma, 9, fy, fx);
            double sum = 0;
            for (int y = 0; y < h; y++)
                for (int x = 0; x + 1 < w; x++) sum += Math.Abs(fx[y * w + x + 1] - fx[y * w + x]);
            return sum;
        }
        double sharp = Roughness(0.5f), smooth = Roughness(4f);
        Assert.True(smooth < sharp / 5, $"neighbour differences: sigma 0.5 {sharp:F2}, sigma 4 {smooth:F2}");
    }

    [Fact]
    public void InvalidArgumentsAreRefusedWithTheirName()
    {
        var source = Random(Image.Size, 4);
        var destination = new float[Image.Size];
        Assert.Throws<ArgumentOutOfRangeException>("alpha", () => ElasticDistortion.Apply(source, destination, Image, -1f, 4f, 1));
        Assert.Throws<ArgumentOutOfRangeException>("alpha", () => ElasticDistortion.Apply(source, destination, Image, float.NaN, 4f, 1));
        Assert.Throws<ArgumentOutOfRangeException>("sigma", () => ElasticDistortion.Apply(source, destination, Image, 1f, 0f, 1));
        var wrongSize = Assert.Throws<ArgumentException>(() => ElasticDistortion.Apply(source, new float[5], Image, 1f, 4f, 1));
        Assert.Contains("the destination 5", wrongSize.Message);
        var overlap = Assert.Throws<ArgumentException>(() => ElasticDistortion.Apply(source, source, Image, 1f, 4f, 1));
        Assert.Contains("overlaps", overlap.Message);
        var field = Assert.Throws<ArgumentException>(() => ElasticDistortion.Displace(source, destination, Image, new float[3], new float[120]));
        Assert.Equal("fieldY", field.ParamName);
        var infinite = Assert.Throws<ArgumentException>(() => ElasticDistortion.Displace(source, destination, Image,
            Enumerable.Repeat(float.PositiveInfinity, 120).ToArray(), new float[120]));
        Assert.Contains("not finite", infinite.Message);
    }

    [Fact]
    public void AHugeDisplacementReadsZeros()
    {
        var source = Random(Image.Size, 6);
        var destination = Random(Image.Size, 7);
        ElasticDistortion.Displace(source, destination, Image, Enumerable.Repeat(1e30f, 120).ToArray(), Enumerable.Repeat(-1e30f, 120).ToArray());
        Assert.All(destination, v => Assert.Equal(0f, v));
    }
}
