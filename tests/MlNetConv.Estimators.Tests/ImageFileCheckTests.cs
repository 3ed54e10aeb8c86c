using SkiaSharp;

namespace MlNetConv.Estimators.Tests;

/// <summary>
/// <see cref="ImageFileCheck"/> on real MNIST digits written as PNG and JPEG: whole files pass; files cut short, with
/// damaged data, or whose header claims more pixels than the limit are named as bad, with why.
/// </summary>
public sealed class ImageFileCheckTests
{
    /// <summary>Digits 0, 1 and 2 of the bundled set as the R, G and B planes of a picture scaled to <paramref name="size"/>.</summary>
    private static byte[] Encode(SKEncodedImageFormat format, int size) => Fuzz.DigitPicture.Encode(format, size, first: 0);

    private static string? Check(byte[] bytes, long maxPixels = ImageFileCheck.DefaultMaxPixels) => ImageFileCheck.Problem(new MemoryStream(bytes), maxPixels);

    [Theory]
    [InlineData(SKEncodedImageFormat.Png, 28)]
    [InlineData(SKEncodedImageFormat.Png, 224)]
    [InlineData(SKEncodedImageFormat.Jpeg, 224)]
    public void WholeImages_Pass(SKEncodedImageFormat format, int size) => Assert.Null(Check(Encode(format, size)));

    [Theory]
    [InlineData(SKEncodedImageFormat.Png, 0.15)]
    [InlineData(SKEncodedImageFormat.Png, 0.5)]
    [InlineData(SKEncodedImageFormat.Png, 0.9)]
    [InlineData(SKEncodedImageFormat.Jpeg, 0.15)]
    [InlineData(SKEncodedImageFormat.Jpeg, 0.5)]
    [InlineData(SKEncodedImageFormat.Jpeg, 0.9)]
    public void TruncatedImages_AreNamedTruncated(SKEncodedImageFormat format, double kept)
    {
        var whole = Encode(format, 224);
        var problem = Check(whole[..(int)(whole.Length * kept)]);
        Assert.NotNull(problem);
        Assert.Contains("truncated", problem);
        Assert.Contains("224 x 224", problem);
    }

    [Fact]
    public void EveryCutOfASmallPng_IsBad()
    {
        // Every length that loses pixel data. The file ends with zlib's Adler-32 (4 bytes) and the last IDAT's CRC (4),
        // then the 12-byte IEND chunk: a cut among those keeps every pixel, and the image it gives is the whole one.
        var whole = Encode(SKEncodedImageFormat.Png, 28);
        for (int length = 0; length < whole.Length - 20; length++)
            Assert.True(Check(whole[..length]) is not null, $"a PNG cut to {length} of {whole.Length} bytes passed");
    }

    [Fact]
    public void DamagedPixelData_IsBad()
    {
        var bytes = Encode(SKEncodedImageFormat.Png, 224);
        // Inside the first IDAT chunk's compressed data, past its 8-byte head.
        int idat = bytes.AsSpan().IndexOf("IDAT"u8);
        bytes.AsSpan(idat + 20, 64).Fill(0x5A);
        Assert.NotNull(Check(bytes));
    }

    [Fact]
    public void NotAnImage_IsBad() => Assert.Contains("cannot be decoded", Check("this is not a PNG file"u8.ToArray()));

    [Fact]
    public void APixelLimit_IsCheckedFromTheHeaderBeforeDecoding()
    {
        // A PNG whose header claims 25,000 x 25,000 pixels (its IHDR re-sealed with a valid CRC), with 28x28 worth of data.
        var bytes = Encode(SKEncodedImageFormat.Png, 28);
        Fuzz.PngHeader.ForgeSize(bytes, 25_000, 25_000);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var problem = Check(bytes);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20, "the check decoded the image");
        Assert.Equal("the image is 25000 x 25000 = 625.0 megapixels, over the limit of 50.0", problem);
        Assert.Contains("over the limit of 0.0", Check(Encode(SKEncodedImageFormat.Png, 28), maxPixels: 783));
        Assert.Null(Check(Encode(SKEncodedImageFormat.Png, 28), maxPixels: 784));
    }
}
