using MlNetConv.Graphs;
using MlNetConv.Onnx;
using MlNetConv.Tensors;
using MlNetConv.Tests.Shared;

namespace MlNetConv.Onnx.Tests;

/// <summary>
/// ONNX Runtime as the independent oracle: exports a network, runs the model on the same input and compares with the
/// network's own evaluation-mode output.
/// </summary>
internal static class OnnxRuntimeOracle
{
    /// <summary>Largest |ours - ONNX Runtime| over the largest |ONNX Runtime|, per output.</summary>
    public const double Tolerance = 1e-4;

    /// <summary>
    /// Exports <paramref name="network"/> with <paramref name="options"/>, runs both on a seeded batch and asserts the outputs
    /// agree. The engine's side is what its scoring does: the normalisation applied to the batch, the forward pass, and the
    /// softmax when the options ask for one.
    /// </summary>
    public static void AssertMatches(Network network, int batch, ulong seed = 7, OnnxExportOptions? options = null)
    {
        var (ours, theirs) = RunBoth(network, batch, seed, options);
        Assert.Equal(ours.Count, theirs.Count);
        for (int i = 0; i < ours.Count; i++)
        {
            Assert.Equal(ours[i].Length, theirs[i].Length);
            double scale = theirs[i].Max(v => Math.Abs((double)v)), error = 0;
            for (int j = 0; j < ours[i].Length; j++) error = Math.Max(error, Math.Abs((double)ours[i][j] - theirs[i][j]));
            Assert.True(scale > 0, $"output {i}: ONNX Runtime gave all zeros");
            Assert.True(error <= Tolerance * scale, $"output {i}: max |ours - ORT| = {error:G3}, {error / scale:G3} of the largest value {scale:G4}");
        }
    }

    /// <summary>The engine's outputs and ONNX Runtime's for one seeded batch of values in [-1, 1).</summary>
    public static (IReadOnlyList<float[]> Ours, IReadOnlyList<float[]> Theirs) RunBoth(Network network, int batch, ulong seed, OnnxExportOptions? options)
    {
        var shape = network.InputShape.WithBatch(batch);
        var random = new RandomStream(seed);
        var input = Enumerable.Range(0, shape.Size).Select(_ => random.NextFloat() * 2 - 1).ToArray();
        var normalized = (float[])input.Clone();
        options?.Normalization?.Apply(normalized, network.SampleShape, batch);
        using var tensor = network.Backend.Allocate(shape);
        tensor.CopyFrom(normalized);
        var ours = network.ForwardAll(tensor, training: false).Select(t => options?.Softmax == true ? Softmax(t) : t.ToArray()).ToArray();
        return (ours, OnnxRuntimeCheck.Outputs(OnnxExport.ToBytes(network, options), input, [.. shape.Select(d => (long)d)]));
    }

    private static float[] Softmax(Tensor logits)
    {
        using var probabilities = logits.Backend.Allocate(logits.Shape);
        logits.Backend.Loss.Softmax(logits, probabilities);
        return probabilities.ToArray();
    }
}
