using System.Buffers.Binary;
using MlNetConv.Data;

namespace MlNetConv.Tests.Data;

public sealed class IdxFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mlnetconv-idx-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string PathOf(string name) => Path.Combine(_folder, name);

    private static byte[] Pixels(int count, int rows, int columns) => Enumerable.Range(0, count * rows * columns).Select(i => (byte)(i * 7)).ToArray();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ImagesAndLabelsRoundTripPlainOrGzip(bool gzip)
    {
        var pixels = Pixels(5, 3, 4);
        byte[] labels = [3, 1, 4, 1, 5];
        IdxFile.Write(PathOf("images"), [5, 3, 4], pixels, gzip);
        IdxFile.Write(PathOf("labels"), [5], labels, gzip);

        var images = IdxFile.ReadImages(PathOf("images"));
        Assert.Equal([5, 3, 4], images.Dimensions);
        Assert.Equal(5, images.Count);
        Assert.Equal(pixels, images.Data.ToArray());
        Assert.Equal(labels, IdxFile.ReadLabels(PathOf("labels")).Data.ToArray());
        Assert.Equal(gzip, File.ReadAllBytes(PathOf("images"))[0] == 0x1F);
    }

    [Fact]
    public void TheHeaderIsMnistsBigEndianLayout()
    {
        IdxFile.Write(PathOf("labels"), [2], [7, 9]);
        Assert.Equal(new byte[] { 0, 0, 8, 1, 0, 0, 0, 2, 7, 9 }, File.ReadAllBytes(PathOf("labels")));
    }

    [Fact]
    public void ABadMagicNumberIsRefusedNamingTheFile()
    {
        IdxFile.Write(PathOf("labels"), [4], [1, 2, 3, 4]);
        var wrongRank = Assert.Throws<InvalidDataException>(() => IdxFile.ReadImages(PathOf("labels")));
        Assert.Contains($"IDX file '{PathOf("labels")}'", wrongRank.Message);
        Assert.Contains("bad magic number 0x00000801, expected 0x00000803", wrongRank.Message);

        var bytes = File.ReadAllBytes(PathOf("labels"));
        bytes[2] = 0x0D;
        File.WriteAllBytes(PathOf("floats"), bytes);
        Assert.Contains("data type 0x0D is not supported", Assert.Throws<InvalidDataException>(() => IdxFile.ReadLabels(PathOf("floats"))).Message);

        File.WriteAllText(PathOf("text"), "P5 28 28 255");
        Assert.Contains("an IDX file starts with two zero bytes", Assert.Throws<InvalidDataException>(() => IdxFile.ReadLabels(PathOf("text"))).Message);
    }

    [Fact]
    public void SizesThatDoNotFitTheDataAreRefused()
    {
        IdxFile.Write(PathOf("images"), [2, 3, 3], Pixels(2, 3, 3));
        var bytes = File.ReadAllBytes(PathOf("images"));
        File.WriteAllBytes(PathOf("short"), bytes[..^1]);
        Assert.Contains("it is truncated", Assert.Throws<InvalidDataException>(() => IdxFile.ReadImages(PathOf("short"))).Message);
        File.WriteAllBytes(PathOf("long"), [.. bytes, 0]);
        Assert.Contains("it has data after the 18 bytes", Assert.Throws<InvalidDataException>(() => IdxFile.ReadImages(PathOf("long"))).Message);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), -2);
        File.WriteAllBytes(PathOf("negative"), bytes);
        Assert.Contains("dimension 0 has size -2", Assert.Throws<InvalidDataException>(() => IdxFile.ReadImages(PathOf("negative"))).Message);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), 60000);
        File.WriteAllBytes(PathOf("huge"), bytes);
        Assert.Contains("need 540000 bytes of data, the file has 18", Assert.Throws<InvalidDataException>(() => IdxFile.ReadImages(PathOf("huge"))).Message);
        File.WriteAllBytes(PathOf("empty"), []);
        Assert.Contains("too short for an IDX header", Assert.Throws<InvalidDataException>(() => IdxFile.ReadImages(PathOf("empty"))).Message);
        Assert.Throws<FileNotFoundException>(() => IdxFile.ReadImages(PathOf("none")));
    }

    [Fact]
    public void CorruptGzipIsRefusedNamingTheFile()
    {
        IdxFile.Write(PathOf("images.gz"), [4, 28, 28], Pixels(4, 28, 28), gzip: true);
        var bytes = File.ReadAllBytes(PathOf("images.gz"));
        File.WriteAllBytes(PathOf("cut.gz"), bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<InvalidDataException>(() => IdxFile.ReadImages(PathOf("cut.gz")));
        Assert.Contains($"IDX file '{PathOf("cut.gz")}'", e.Message);
    }

    [Fact]
    public void WriteChecksItsArguments()
    {
        Assert.Throws<ArgumentException>(() => IdxFile.Write(PathOf("x"), [2, 2], new byte[3]));
        Assert.Throws<ArgumentException>(() => IdxFile.Write(PathOf("x"), [0], []));
        Assert.False(File.Exists(PathOf("x")));
    }
}
