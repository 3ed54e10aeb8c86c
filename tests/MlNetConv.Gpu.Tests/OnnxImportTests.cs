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
/// (constant affine maps, Hardtanh, Power, Multiply, padding and cropping, Reshape, Upsample, Softmax; splits, gathers,
/// transposes, broadcasting gates and sums, reflection and replication padding, LRN with ONNX's even window) compute and
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

    /// <summary>
    /// Split (Narrows), a channel gather with a repeat, a transpose and back, a squeeze-and-excitation gate, an expansion and
    /// a broadcast sum, reflection and replication padding, and LRN of size 4 in ONNX's window.
    /// </summary>
    private static byte[] ComputedTensorModel()
    {
        var g = new GraphBuilder();
        var trunk = g.Add(g.Input, new Conv2d(4, 3, padding: 1, name: "conv"), new Tanh("tanh"));
        var first = g.Add(trunk, new Narrow(1, 0, 2, "first"));
        var rest = g.Add(trunk, new Narrow(1, 2, 2, "rest"), new IndexSelect(1, [1, 0, 1], "pick"));
        var joined = g.Merge(new Concat("join"), first, rest);
        var turned = g.Add(joined, new Permute([0, 2, 3, 1], "nhwc"), new Sigmoid("squash"), new Permute([0, 3, 1, 2], "nchw"));
        var gate = g.Add(turned, new GlobalAvgPool("squeeze"), new Reshape([5, 1, 1], "excite"), new Sigmoid("gate_sigmoid"));
        var gated = g.Merge(new Multiply("gate"), turned, gate);
        var row = g.Add(gated, new Narrow(2, 1, 1, "row"));
        var expanded = g.Add(gate, new Expand([5, 6, 5], "expand"));
        var summed = g.Merge(new Add("plus_row"), gated, row, expanded);
        var output = g.Add(summed, new ReflectionPad([1, 2], [2, 1], "reflect"), new ReplicationPad([0, 1], [2, 0], "edge"),
            new LocalResponseNorm(4, 0.3f, 0.75f, 1f, alphaOverSize: true, name: "lrn", before: 1), new Conv2d(3, 3, name: "head"));
        using var network = new Network(g.Build("computed", output), new Shape(2, 6, 5), seed: 3);
        return OnnxExport.ToBytes(network);
    }

    private static (float[] Output, float[] Gradients) Run(IBackend backend, byte[] model)
    {
        using var network = OnnxImport.FromBytes(model, backend: backend);
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
    public void ImportedLayersComputeAndBackpropagateAsOnTheCpu() => AssertAsOnTheCpu(TestBackends.CpuAccelerator, Model());

    [Fact]
    public void ComputedTensorLayersComputeAndBackpropagateAsOnTheCpu() => AssertAsOnTheCpu(TestBackends.CpuAccelerator, ComputedTensorModel());

    [SkippableFact]
    public void ImportedLayersComputeAndBackpropagateOnCudaAsOnTheCpu() => AssertAsOnTheCpu(Cuda(), Model());

    [SkippableFact]
    public void ComputedTensorLayersComputeAndBackpropagateOnCudaAsOnTheCpu() => AssertAsOnTheCpu(Cuda(), ComputedTensorModel());

    private static IBackend Cuda()
    {
        var (backend, reason) = TestBackends.Cuda;
        Skip.If(backend is null, reason);
        return backend!;
    }

    /// <summary>The model's output and weight gradients on <paramref name="backend"/> are the CPU backend's.</summary>
    private static void AssertAsOnTheCpu(IBackend backend, byte[] model)
    {
        var (cpuOutput, cpuGrads) = Run(new Backends.Cpu.CpuBackend(), model);
        var (output, grads) = Run(backend, model);
        AssertClose(cpuOutput, output);
        AssertClose(cpuGrads, grads);
    }

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = expected.Max(v => Math.Abs((double)v)), error = expected.Zip(actual).Max(p => Math.Abs((double)p.First - p.Second));
        Assert.True(scale > 0 && error <= 1e-5 * scale, $"max |cpu - gpu| = {error:G3} of {scale:G4}");
    }
}
