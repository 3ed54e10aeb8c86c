using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using MlNetConv.Graphs;
using MlNetConv.Persistence;
using MlNetConv.Tensors;
using MlNetConv.Tests.Support;

namespace MlNetConv.Tests.Persistence;

/// <summary>
/// Files whose checksum is valid but whose contents lie: forged sizes, malformed architecture JSON, tensors that do not
/// fit. Each must fail with one <see cref="InvalidDataException"/> naming the file, before anything large is allocated.
/// Allocations are counted for the whole process, so these run alone.
/// </summary>
[Collection(AllocationMeasurements.Name)]
public sealed class ForgedModelFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mlnetconv-forged-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Network SmallNetwork() => new(new NetworkBuilder()
        .Conv2d(4, 3, padding: 1, name: "conv1").BatchNorm2d(name: "bn1").ReLU()
        .MaxPool2d(2).Flatten().Dense(3, name: "fc").Build(), new Shape(2, 6, 6), seed: 5);

    private static ModelContents Contents() => ModelFile.Read(ModelFile.ToBytes(SmallNetwork()));

    private static JsonObject Layer(ModelContents c, int index) => c.Architecture["config"]!["layers"]![index]!["config"]!.AsObject();

    /// <summary>Loads forged bytes from a file and returns the error, which must name the file; the load must allocate little.</summary>
    private InvalidDataException LoadForged(byte[] bytes, string name)
    {
        string path = Path.Combine(_dir, name + ".mlnc");
        File.WriteAllBytes(path, bytes);
        long before = GC.GetTotalAllocatedBytes(precise: true);
        var error = Assert.Throws<InvalidDataException>(() => ModelFile.Load(path));
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        Assert.Contains(path, error.Message);
        Assert.True(allocated < 64L << 20, $"loading a {bytes.Length}-byte forged file allocated {allocated:N0} bytes");
        return error;
    }

    /// <summary>The bytes of a model whose architecture JSON is replaced by <paramref name="json"/>, with the checksum re-sealed.</summary>
    private static byte[] WithArchitectureText(string json)
    {
        var original = ModelFile.ToBytes(SmallNetwork());
        int length = BitConverter.ToInt32(original, 12);
        var text = Encoding.UTF8.GetBytes(json);
        byte[] body = [.. original.AsSpan(0, 12), .. BitConverter.GetBytes(text.Length), .. text, .. original.AsSpan(16 + length, original.Length - 16 - length - 32)];
        return [.. body, .. SHA256.HashData(body)];
    }

    [Theory]
    [InlineData(1_000_000_000)]   // the weight would pass int.MaxValue elements
    [InlineData(100_000_000)]     // 7.2 GB of weights (and as much of gradients) that the file does not hold
    public void ForgedChannelCount_IsRefusedBeforeTheWeightsAreAllocated(int channels)
    {
        var contents = Contents();
        Layer(contents, 0)["outChannels"] = channels;
        var error = LoadForged(ModelFile.ToBytes(contents), $"channels{channels}");
        Assert.Contains($"declares outChannels = {channels:N0}", error.Message);
    }

    [Theory]
    [InlineData(50_000_000, "declares outFeatures = 50,000,000")]   // more than the file could hold: refused before the shapes are built
    [InlineData(4, "tensor 'fc.weight' has shape (3, 36), the architecture needs (4, 36)")]   // plausible, but not what is stored
    public void ForgedDenseWidth_IsRefused(int width, string expected)
    {
        var contents = Contents();
        Layer(contents, 5)["outFeatures"] = width;
        var error = LoadForged(ModelFile.ToBytes(contents), $"dense{width}");
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void ForgedSampleShape_IsRefused()
    {
        var c = Contents();
        var error = LoadForged(ModelFile.ToBytes(c with { SampleShape = new Shape(2, 3_000, 3_000) }), "sample");
        Assert.Contains("the architecture needs", error.Message);
    }

    [Fact]
    public void ActivationsBeyondTheBudget_AreRefused()
    {
        // An upsampling layer has no weights to witness its size: 2x6x6 scaled by 4,000 per axis is 1.15e9 floats a sample.
        var upsample = new JsonObject
        {
            ["type"] = "Upsample", ["name"] = "up",
            ["config"] = new JsonObject { ["scaleFactor"] = new JsonArray(4000.0, 4000.0), ["mode"] = "Nearest", ["alignCorners"] = false },
        };
        var architecture = new JsonObject { ["type"] = "Sequential", ["name"] = "", ["config"] = new JsonObject { ["layers"] = new JsonArray(upsample) } };
        var error = LoadForged(ModelFile.ToBytes(new ModelContents(architecture, new Shape(2, 6, 6), [], TrainingState.Empty)), "upsample");
        Assert.Contains("activations", error.Message);
    }

    public static TheoryData<string, string> MalformedArchitectures => new()
    {
        { "not json", "{\"type\": \"Sequential\", " },
        { "array", "[1, 2, 3]" },
        { "unknown type", "{\"type\": \"Teleport\", \"name\": \"x\", \"config\": {}}" },
        { "missing key", "{\"type\": \"Sequential\", \"name\": \"x\", \"config\": {}}" },
        { "wrong type", "{\"type\": \"Sequential\", \"name\": \"x\", \"config\": {\"layers\": 7}}" },
        { "null layer", "{\"type\": \"Sequential\", \"name\": \"x\", \"config\": {\"layers\": [null]}}" },
        { "string for int", "{\"type\": \"Dense\", \"name\": \"fc\", \"config\": {\"outFeatures\": \"three\", \"bias\": true}}" },
        { "negative size", "{\"type\": \"Dense\", \"name\": \"fc\", \"config\": {\"outFeatures\": -3, \"bias\": true}}" },
        { "empty kernel", "{\"type\": \"MaxPool2d\", \"name\": \"p\", \"config\": {\"kernelSize\": [], \"stride\": [], \"padding\": [], \"dilation\": [], \"ceilMode\": false}}" },
        { "deep nesting", new string('[', 5000) + new string(']', 5000) },
        { "duplicate key", "{\"type\": \"Sequential\", \"name\": \"x\", \"config\": {\"layers\": [], \"layers\": []}}" },
    };

    [Theory, MemberData(nameof(MalformedArchitectures))]
    public void MalformedArchitectureJson_GivesOneClearError(string kind, string json)
    {
        var error = LoadForged(WithArchitectureText(json), kind.Replace(' ', '-'));
        Assert.Contains("corrupt architecture", error.Message);
    }

    [Fact]
    public void ATensorStoredTwice_IsRefused()
    {
        var c = Contents();
        var error = LoadForged(ModelFile.ToBytes(c with { Tensors = [.. c.Tensors, c.Tensors[0]] }), "twice");
        Assert.Contains("stored twice", error.Message);
    }

    [Fact]
    public void AnUntouchedRewriteLoadsTheSameNetwork()
    {
        // The forging path itself changes nothing: contents written back load and score as the original.
        using var original = SmallNetwork();
        var (loaded, _) = ModelFile.FromBytes(ModelFile.ToBytes(ModelFile.Read(ModelFile.ToBytes(original))));
        using (loaded)
        {
            var input = Enumerable.Range(0, 72).Select(i => MathF.Cos(i * 0.3f)).ToArray();
            Assert.Equal(original.Predict(input), loaded.Predict(input));
        }
    }
}
