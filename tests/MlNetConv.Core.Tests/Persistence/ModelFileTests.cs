using MlNetConv.Graphs;
using MlNetConv.Persistence;
using MlNetConv.Tensors;

namespace MlNetConv.Tests.Persistence;

public sealed class ModelFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mlnetconv-model-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Conv, batch norm (running statistics), dropout, a residual block and a dense head.</summary>
    private static Network SmallNetwork(ulong seed) => new(new NetworkBuilder()
        .Conv2d(4, 3, padding: 1, name: "conv1").BatchNorm2d(name: "bn1").ReLU()
        .Residual(m => m.Conv2d(4, 3, padding: 1).BatchNorm2d().ReLU().Conv2d(4, 3, padding: 1), name: "block")
        .MaxPool2d(2).Flatten().Dropout(0.3f).Dense(3, name: "fc").Build(), new Shape(2, 6, 6), seed: seed);

    private static float[] Input(int n) => Enumerable.Range(0, n * 72).Select(i => MathF.Sin(i * 0.37f)).ToArray();

    [Fact]
    public void SaveThenLoadGivesIdenticalOutputsAndRunningStatistics()
    {
        using var network = SmallNetwork(7);
        // Move BatchNorm's running statistics away from their initial values.
        using (var batch = network.Backend.Allocate(new Shape(5, 2, 6, 6)))
        {
            batch.CopyFrom(Input(5));
            network.Forward(batch, training: true);
        }
        string path = Path.Combine(_dir, "model.mlnc");
        ModelFile.Save(path, network);
        var (loaded, _) = ModelFile.Load(path);
        using (loaded)
        {
            Assert.Equal(network.Parameters.Select(p => p.Name), loaded.Parameters.Select(p => p.Name));
            Assert.Equal(network["bn1.running_mean"].Value.ToArray(), loaded["bn1.running_mean"].Value.ToArray());
            Assert.NotEqual(new float[4], loaded["bn1.running_mean"].Value.ToArray());
            Assert.Equal(network.Predict(Input(3)), loaded.Predict(Input(3)));
        }
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));
    }

    [Fact]
    public void OptimizerStateAndMetadataRoundTrip()
    {
        using var network = SmallNetwork(1);
        var state = new TrainingState([new NamedTensor("optimizer.m", new Shape(2, 3), [1, 2, 3, 4, 5, 6])], new Dictionary<string, string> { ["epoch"] = "3" });
        var (loaded, readState) = ModelFile.FromBytes(ModelFile.ToBytes(network, state));
        loaded.Dispose();
        Assert.Equal("3", readState.Metadata["epoch"]);
        Assert.Equal(new float[] { 1, 2, 3, 4, 5, 6 }, readState.Tensors.Single().Values);
    }

    public static TheoryData<string> Corruptions => new() { "truncated", "bitflip", "magic", "future", "empty", "tail" };

    [Theory]
    [MemberData(nameof(Corruptions))]
    public void CorruptFilesThrowAClearErrorNamingThePath(string corruption)
    {
        using var network = SmallNetwork(2);
        var bytes = ModelFile.ToBytes(network);
        switch (corruption)
        {
            case "truncated": bytes = bytes[..(bytes.Length / 2)]; break;
            case "bitflip": bytes[bytes.Length / 3] ^= 0x10; break;
            case "magic": bytes[0] = (byte)'X'; break;
            case "future": BitConverter.GetBytes(ModelFile.FormatVersion + 1).CopyTo(bytes, 8); break;
            case "empty": bytes = []; break;
            case "tail": bytes = [.. bytes, 0]; break;
        }
        string path = Path.Combine(_dir, corruption + ".mlnc");
        File.WriteAllBytes(path, bytes);
        var error = Assert.Throws<InvalidDataException>(() => ModelFile.Load(path));
        Assert.Contains(path, error.Message);
        string expected = corruption switch
        {
            "magic" => "magic",
            "future" => "newer",
            "truncated" or "empty" => corruption == "empty" ? "truncated" : "checksum",
            _ => "checksum",
        };
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void ACorruptLengthFieldBehindAValidChecksumIsRejectedWithoutAHugeAllocation()
    {
        using var network = SmallNetwork(3);
        var bytes = ModelFile.ToBytes(network);
        // Claim a 2 GB architecture string, then re-seal the checksum so only the bounds checks stand in the way.
        BitConverter.GetBytes(int.MaxValue).CopyTo(bytes, 12);
        System.Security.Cryptography.SHA256.HashData(bytes.AsSpan(0, bytes.Length - 32)).CopyTo(bytes, bytes.Length - 32);
        var error = Assert.Throws<InvalidDataException>(() => ModelFile.FromBytes(bytes));
        Assert.Contains("exceeds", error.Message);
    }

    [Fact]
    public void ANetworkWithoutWeightsTakingLargeInputsRoundTrips()
    {
        // The file holds no values, so the sample shape is not bounded by the bytes that follow it.
        using var network = new Network(new NetworkBuilder().MaxPool2d(2).Build(), new Shape(3, 64, 64));
        var (loaded, _) = ModelFile.FromBytes(ModelFile.ToBytes(network));
        using (loaded) Assert.Equal(new Shape(3, 64, 64), loaded.SampleShape);
    }

    [Fact]
    public void AMissingFileThrowsFileNotFound()
    {
        string path = Path.Combine(_dir, "nope.mlnc");
        var error = Assert.Throws<FileNotFoundException>(() => ModelFile.Load(path));
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void AFailedSaveLeavesTheOldFileIntact()
    {
        using var network = SmallNetwork(4);
        string path = Path.Combine(_dir, "keep.mlnc");
        ModelFile.Save(path, network);
        var before = File.ReadAllBytes(path);
        var unsaveable = new Network(new NetworkBuilder().Add(new UnregisteredLayer()).Build(), new Shape(3));
        Assert.Throws<NotSupportedException>(() => ModelFile.Save(path, unsaveable));
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));
    }

    private sealed class UnregisteredLayer() : MlNetConv.Layers.Layer("custom")
    {
        protected override Shape OnBuild(Shape input) => input;
        public override Tensor Forward(Tensor input, bool training) => input;
        public override Tensor? Backward(Tensor outputGrad) => outputGrad;
        public override void WriteConfig(System.Text.Json.Nodes.JsonObject config) { }
    }
}
