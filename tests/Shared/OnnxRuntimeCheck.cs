using Microsoft.ML.OnnxRuntime;

namespace MlNetConv.Tests.Shared;

/// <summary>ONNX Runtime as the tests' independent oracle for exported models.</summary>
public static class OnnxRuntimeCheck
{
    /// <summary>Every output of <paramref name="model"/>, in the model's order, for its input <c>input</c> of <paramref name="shape"/> (N, sample...).</summary>
    public static IReadOnlyList<float[]> Outputs(byte[] model, float[] input, long[] shape) => Outputs(model, "input", input, shape);

    /// <summary>Every output of <paramref name="model"/>, in the model's order, for its input <paramref name="inputName"/> of <paramref name="shape"/>.</summary>
    public static IReadOnlyList<float[]> Outputs(byte[] model, string inputName, float[] input, long[] shape)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1 };
        using var session = new InferenceSession(model, options);
        using var value = OrtValue.CreateTensorValueFromMemory(input, shape);
        using var runOptions = new RunOptions();
        var outputNames = session.OutputMetadata.Keys.ToArray();
        using var outputs = session.Run(runOptions, [inputName], [value], outputNames);
        return outputs.Select(o => o.GetTensorDataAsSpan<float>().ToArray()).ToArray();
    }

    /// <summary>The one output of the model file at <paramref name="path"/>.</summary>
    public static float[] Output(string path, float[] input, long[] shape) => Outputs(File.ReadAllBytes(path), input, shape).Single();

    /// <summary>Asserts |expected - actual| ≤ <paramref name="tolerance"/> everywhere (probabilities: an absolute bound).</summary>
    public static void AssertClose(float[] expected, float[] actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        double error = expected.Zip(actual).Max(p => Math.Abs((double)p.First - p.Second));
        Assert.True(error <= tolerance, $"max |expected - ONNX Runtime| = {error:G3}, more than {tolerance:G3}");
    }
}
