using System.Runtime.InteropServices;
using MlNetConv.Tensors;
using Xunit.Abstractions;

namespace MlNetConv.Onnx.Tests;

/// <summary>
/// Models exported by PyTorch (torch.onnx.export, opsets 13 and 17, batch symbolic) with PyTorch's own outputs, made by
/// tests/torchvision/generate.py: the small mixed network (LocalResponseNorm as PyTorch's Pad/AveragePool/Pow/Div
/// subgraph with an If on the input's rank, ceil-mode pooling, a grouped convolution, a transposed-convolution decoder,
/// a bilinear resize, ReLU6, a traced view) is committed; the torchvision networks (tens of megabytes each) are read
/// from the folder named by MLNETCONV_TORCH_MODELS where it is set.
/// </summary>
public sealed class TorchExportTests(ITestOutputHelper output)
{
    private static readonly string Committed = Path.Combine(AppContext.BaseDirectory, "torch");

    public static TheoryData<string> Models
    {
        get
        {
            var folders = new[] { Committed, Environment.GetEnvironmentVariable("MLNETCONV_TORCH_MODELS") }.Where(f => !string.IsNullOrEmpty(f));
            var data = new TheoryData<string>();
            foreach (var file in folders.SelectMany(f => Directory.GetFiles(f!, "*.onnx")).Order()) data.Add(file);
            return data;
        }
    }

    [Fact]
    public void TheSmallMixedNetworkIsCommittedAtBothOpsets() =>
        Assert.Equal(["smallmix_opset13.onnx", "smallmix_opset17.onnx"], Directory.GetFiles(Committed, "*.onnx").Select(Path.GetFileName).Order());

    [Theory]
    [MemberData(nameof(Models))]
    public void ImportsAndMatchesPyTorchWithin1e4Relative(string path)
    {
        using var network = OnnxImport.Load(path);
        float[] input = Read(Path.ChangeExtension(path, ".input.bin")), expected = Read(Path.ChangeExtension(path, ".output.bin"));
        var actual = network.Predict(input, batchSize: 2);
        Assert.Equal(expected.Length, actual.Length);
        double scale = expected.Max(v => Math.Abs((double)v)), error = expected.Zip(actual).Max(p => Math.Abs((double)p.First - p.Second));
        output.WriteLine($"{Path.GetFileName(path)}: {Graphs.Network.Flatten(network.Root).Count() - 1} layers, max |ours - PyTorch| = {error:G3}, {error / scale:G3} of the largest output {scale:G4}");
        Assert.True(scale > 0 && error <= 1e-4 * scale, $"max |ours - PyTorch| = {error:G3}, {error / scale:G3} of {scale:G4}");
    }

    private static float[] Read(string path) => MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(path)).ToArray();
}
