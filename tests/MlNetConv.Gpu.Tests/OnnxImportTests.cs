using MlNetConv.Backends;
using MlNetConv.Geometry;
using MlNetConv.Gpu.Tests.Support;
using MlNetConv.Graphs;
using MlNetConv.Layers;
using MlNetConv.Onnx;
using MlNetConv.Preprocessing;
using MlNetConv.Tensors;

namespace MlNetConv.Gpu.Tests;

/// <summary>
/// An imported network on the GPU backend (ILGPU's CPU accelerator; CUDA where present): the layers import adds
/// (constant affine maps, Hardtanh, Power, Multiply, padding and cropping, Reshape, Upsample, Softmax) compute and
/// backpropagate as on the CPU backend.
/// </summary>
public sealed class OnnxImportTests
{
    private static byte[] Model()
    {
        var g = new GraphBuilder();
        var trunk = g.Add(g.Input, new Conv2d(4, 3, padding: 1, name: "conv"), new Hardtanh(0f, 6f, "relu6"));
        var squared = g.Merge(new Multiply("square"), trunk, trunk);
        var gated = g.Add(squared, new Power(0.5f, "root"), new ConstantPad([1, -1], [-1, 1], 0.25f, "pad"),
            new Upsample(2.0, UpsampleMode.Linear, name: "up"), new Reshape([2, 2, 8, 16], "split"), new Reshape([4, 8, 16], "merge"),
            new Conv2d(3, 1, name: "head"), new Layers.Softmax("softmax"));
        using var network = new Network(g.Build("imported", gated), new Shape(2, 4, 8), seed: 2);
        return OnnxExport.ToBytes(network, new OnnxExportOptions { Normalization = new ChannelNormalization([0.1f, 0.2f], [0.5f, 2f]) });
    }

    private static (float[] Output, float[] Gradients) Run(IBackend backend)
    {
        using var network = OnnxImport.FromBytes(Model(), backend: backend);
        var input = Enumerable.Range(0, 2 * network.SampleShape.Size).Select(i => MathF.Sin(0.37f * i)).ToArray();
        using var batch = backend.Allocate(network.InputShape.WithBatch(2));
        batch.CopyFrom(input);
        var output = network.Forward(batch, training: true);
        var values = output.ToArray();
        using var grad = backend.Allocate(output.Shape);
        grad.CopyFrom(values.Select((_, i) => MathF.Cos(0.11f * i)).ToArray());
        network.ZeroGrad();
        network.Backward(grad);
        return (values, network.TrainableParameters.SelectMany(p => p.Grad!.ToArray()).ToArray());
    }

    [Fact]
    public void ImportedLayersComputeAndBackpropagateAsOnTheCpu()
    {
        var (cpuOutput, cpuGrads) = Run(new Backends.Cpu.CpuBackend());
        var (gpuOutput, gpuGrads) = Run(TestBackends.CpuAccelerator);
        AssertClose(cpuOutput, gpuOutput);
        AssertClose(cpuGrads, gpuGrads);
    }

    [SkippableFact]
    public void ImportedLayersComputeAndBackpropagateOnCudaAsOnTheCpu()
    {
        var (backend, reason) = TestBackends.Cuda;
        Skip.If(backend is null, reason);
        var (cpuOutput, cpuGrads) = Run(new Backends.Cpu.CpuBackend());
        var (gpuOutput, gpuGrads) = Run(backend!);
        AssertClose(cpuOutput, gpuOutput);
        AssertClose(cpuGrads, gpuGrads);
    }

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = expected.Max(v => Math.Abs((double)v)), error = expected.Zip(actual).Max(p => Math.Abs((double)p.First - p.Second));
        Assert.True(scale > 0 && error <= 1e-5 * scale, $"max |cpu - gpu| = {error:G3} of {scale:G4}");
    }
}
