using MlNetConv.Graphs;
using MlNetConv.Tests.Shared;

namespace MlNetConv.Onnx.Tests;

/// <summary>
/// A network beside ONNX Runtime on a model whose batch is fixed at 1 (CNTK's and ML.NET's exports): the network on
/// batches of images, ONNX Runtime image by image.
/// </summary>
internal static class FixedBatchComparison
{
    /// <summary>The largest |ours - ONNX Runtime| and the largest |ONNX Runtime| over <paramref name="images"/> images.</summary>
    /// <param name="image">image i as (C, H, W) values</param>
    public static (double Worst, double Largest) Run(Network network, byte[] model, string inputName, Func<int, float[]> image, int images, int batch)
    {
        int size = network.OutputShapes[0].SampleSize;
        long[] shape = [1, .. network.SampleShape.Select(d => (long)d)];
        double worst = 0, largest = 0;
        for (int start = 0; start < images; start += batch)
        {
            var inputs = Enumerable.Range(start, batch).Select(image).ToArray();
            var ours = network.Predict(inputs.SelectMany(v => v).ToArray(), batch);
            for (int i = 0; i < batch; i++)
            {
                var theirs = OnnxRuntimeCheck.Outputs(model, inputName, inputs[i], shape).Single();
                Assert.Equal(size, theirs.Length);
                for (int j = 0; j < size; j++)
                {
                    worst = Math.Max(worst, Math.Abs(ours[i * size + j] - theirs[j]));
                    largest = Math.Max(largest, Math.Abs(theirs[j]));
                }
            }
        }
        return (worst, largest);
    }
}
