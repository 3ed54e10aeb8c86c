using System.Buffers.Binary;
using System.IO.Compression;
using MlNetConv.Data;

namespace MlNetConv.Tests.Data;

public sealed class MnistDigitsTests
{
    private const int TrainCount = 8000;

    private static readonly Lazy<MnistDigits> Digits = new(() => MnistDigits.Load(MnistDigits.FindDefault()));

    [Fact]
    public void FindDefault_ReturnsExistingFile()
    {
        string path = MnistDigits.FindDefault();

        Assert.True(File.Exists(path), path);
        Assert.Equal(MnistDigits.FileName, Path.GetFileName(path));
    }

    [Fact]
    public void Load_HasTenThousandLabelledImages()
    {
        MnistDigits digits = Digits.Value;

        Assert.Equal(10_000, digits.Count);
        Assert.Equal(digits.Count, digits.Labels.Length);
        Assert.Equal(digits.Count * MnistDigits.PixelsPerImage, digits.Pixels.Length);
        foreach (byte label in digits.Labels.Span)
        {
            Assert.InRange(label, 0, 9);
        }
    }

    [Fact]
    public void Load_ClassesAreBalancedAsDocumented()
    {
        MnistDigits digits = Digits.Value;
        int[] all = CountClasses(digits);
        int[] train = CountClasses(digits.Slice(0, TrainCount));
        int[] heldOut = CountClasses(digits.Slice(TrainCount, digits.Count - TrainCount));

        for (int d = 0; d < 10; d++)
        {
            // The package holds 863 (digit 5) to 1127 (digit 1) images per class.
            Assert.InRange(all[d], 850, 1200);

            // Interleaving gives exactly 800 of each class in the first 8,000.
            Assert.Equal(800, train[d]);

            // The held-out 2,000 are what is left: 63 (digit 5) to 327 (digit 1) per class.
            Assert.InRange(heldOut[d], 50, 350);
            Assert.Equal(all[d], train[d] + heldOut[d]);
        }
    }

    [Fact]
    public void Load_FirstImagesCycleThroughTheDigits()
    {
        MnistDigits digits = Digits.Value;

        for (int i = 0; i < 20; i++)
        {
            Assert.Equal(i % 10, digits.Label(i));
        }
    }

    [Fact]
    public void Load_PixelStatisticsArePlausibleForMnist()
    {
        MnistDigits digits = Digits.Value;
        long sum = 0;
        int max = 0;
        foreach (byte pixel in digits.Pixels.Span)
        {
            sum += pixel;
            max = Math.Max(max, pixel);
        }

        double mean = sum / 255.0 / digits.Pixels.Length;
        Assert.InRange(mean, 0.10, 0.15);
        Assert.Equal(255, max);
    }

    [Fact]
    public void CopyImage_ScalesPixels()
    {
        MnistDigits digits = Digits.Value;
        var image = new float[MnistDigits.PixelsPerImage + 3];
        image[^1] = -1f;

        digits.CopyImage(42, image);

        ReadOnlySpan<byte> raw = digits.Pixels.Span.Slice(42 * MnistDigits.PixelsPerImage, MnistDigits.PixelsPerImage);
        for (int i = 0; i < MnistDigits.PixelsPerImage; i++)
        {
            Assert.Equal(raw[i] / 255f, image[i], 1e-6f);
        }

        Assert.Equal(-1f, image[^1]);
        Assert.Contains(image, v => v > 0.5f);

        digits.CopyImage(42, image, scale: 1f);
        Assert.Equal(raw[300], image[300]);
    }

    [Fact]
    public void CopyImage_RejectsBadArguments()
    {
        MnistDigits digits = Digits.Value;

        Assert.Throws<ArgumentOutOfRangeException>(() => digits.CopyImage(-1, new float[MnistDigits.PixelsPerImage]));
        Assert.Throws<ArgumentOutOfRangeException>(() => digits.CopyImage(digits.Count, new float[MnistDigits.PixelsPerImage]));
        var ex = Assert.Throws<ArgumentException>(() => digits.CopyImage(0, new float[100]));
        Assert.Contains("784", ex.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => digits.Label(digits.Count));
    }

    [Fact]
    public void Slice_IsAViewAndValidatesItsRange()
    {
        MnistDigits digits = Digits.Value;
        MnistDigits slice = digits.Slice(8000, 2000);

        Assert.Equal(2000, slice.Count);
        Assert.Equal(digits.Label(8123), slice.Label(123));
        Assert.True(digits.Pixels.Span.Slice(8123 * MnistDigits.PixelsPerImage, MnistDigits.PixelsPerImage)
            .SequenceEqual(slice.Pixels.Span.Slice(123 * MnistDigits.PixelsPerImage, MnistDigits.PixelsPerImage)));
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(digits.Pixels, out var whole));
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(slice.Pixels, out var part));
        Assert.Same(whole.Array, part.Array);

        Assert.Equal(0, digits.Slice(digits.Count, 0).Count);
        Assert.Throws<ArgumentOutOfRangeException>(() => digits.Slice(-1, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => digits.Slice(9995, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => digits.Slice(0, -1));
    }

    [Fact]
    public void Load_MissingFile_ThrowsFileNotFoundNamingThePath()
    {
        string path = Path.Combine(Path.GetTempPath(), $"mnist-missing-{Guid.NewGuid():N}.bin.gz");

        var ex = Assert.Throws<FileNotFoundException>(() => MnistDigits.Load(path));
        Assert.Contains(path, ex.Message);
        Assert.Equal(path, ex.FileName);
    }

    [Fact]
    public void Load_TruncatedContent_ThrowsInvalidDataNamingThePath()
    {
        byte[] raw = ReadRaw();
        WithTempFile(Compress(raw.AsSpan(0, raw.Length - 1000)), path =>
        {
            var ex = Assert.Throws<InvalidDataException>(() => MnistDigits.Load(path));
            Assert.Contains(path, ex.Message);
            Assert.Contains("truncated", ex.Message);
            Assert.Contains(raw.Length.ToString(), ex.Message);
            Assert.Contains((raw.Length - 1000).ToString(), ex.Message);
        });
    }

    [Fact]
    public void Load_TruncatedGzipFile_ThrowsInvalidDataNamingThePath()
    {
        byte[] compressed = File.ReadAllBytes(MnistDigits.FindDefault());
        WithTempFile(compressed.AsSpan(0, compressed.Length / 2).ToArray(), path =>
        {
            var ex = Assert.Throws<InvalidDataException>(() => MnistDigits.Load(path));
            Assert.Contains(path, ex.Message);
        });
    }

    [Fact]
    public void Load_WrongMagic_ThrowsInvalidDataNamingThePath()
    {
        byte[] raw = ReadRaw();
        "MNDX"u8.CopyTo(raw);
        WithTempFile(Compress(raw), path =>
        {
            var ex = Assert.Throws<InvalidDataException>(() => MnistDigits.Load(path));
            Assert.Contains(path, ex.Message);
            Assert.Contains("magic", ex.Message);
        });
    }

    [Fact]
    public void Load_NotGzip_ThrowsInvalidDataNamingThePath()
    {
        WithTempFile(ReadRaw(), path =>
        {
            var ex = Assert.Throws<InvalidDataException>(() => MnistDigits.Load(path));
            Assert.Contains(path, ex.Message);
            Assert.Contains("gzip", ex.Message);
        });
    }

    [Theory]
    [InlineData(4, 2, "version")]
    [InlineData(8, 0, "count")]
    [InlineData(8, -5, "count")]
    [InlineData(8, 1_000_001, "count")]
    [InlineData(8, 20_000, "truncated")]
    [InlineData(12, 27, "size")]
    [InlineData(16, 29, "size")]
    public void Load_BadHeaderField_ThrowsInvalidDataNamingThePath(int offset, int value, string expected)
    {
        byte[] raw = ReadRaw();
        BinaryPrimitives.WriteInt32LittleEndian(raw.AsSpan(offset), value);
        WithTempFile(Compress(raw), path =>
        {
            var ex = Assert.Throws<InvalidDataException>(() => MnistDigits.Load(path));
            Assert.Contains(path, ex.Message);
            Assert.Contains(expected, ex.Message);
        });
    }

    [Fact]
    public void Load_HugeCountInTinyFile_ThrowsBeforeAllocating()
    {
        byte[] raw = ReadRaw().AsSpan(0, 20).ToArray();
        BinaryPrimitives.WriteInt32LittleEndian(raw.AsSpan(8), 1_000_000);
        WithTempFile(Compress(raw), path =>
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            var ex = Assert.Throws<InvalidDataException>(() => MnistDigits.Load(path));
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.Contains(path, ex.Message);
            Assert.Contains("1000000", ex.Message);
            Assert.True(allocated < 10_000_000, $"Load allocated {allocated} bytes before rejecting the header.");
        });
    }

    [Fact]
    public void Load_LabelOutOfRange_ThrowsInvalidDataWithItsIndex()
    {
        byte[] raw = ReadRaw();
        raw[20 + 1234] = 10;
        WithTempFile(Compress(raw), path =>
        {
            var ex = Assert.Throws<InvalidDataException>(() => MnistDigits.Load(path));
            Assert.Contains(path, ex.Message);
            Assert.Contains("index 1234", ex.Message);
        });
    }

    private static int[] CountClasses(MnistDigits digits)
    {
        var counts = new int[10];
        foreach (byte label in digits.Labels.Span)
        {
            counts[label]++;
        }

        return counts;
    }

    private static byte[] ReadRaw()
    {
        using var file = File.OpenRead(MnistDigits.FindDefault());
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var memory = new MemoryStream();
        gzip.CopyTo(memory);
        return memory.ToArray();
    }

    private static byte[] Compress(ReadOnlySpan<byte> raw)
    {
        using var memory = new MemoryStream();
        using (var gzip = new GZipStream(memory, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(raw);
        }

        return memory.ToArray();
    }

    private static void WithTempFile(byte[] content, Action<string> test)
    {
        string path = Path.Combine(Path.GetTempPath(), $"mnist-test-{Guid.NewGuid():N}.bin.gz");
        File.WriteAllBytes(path, content);
        try
        {
            test(path);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
