using MlNetConv.Backends.Cpu;
using MlNetConv.Layers;
using MlNetConv.Tensors;

namespace MlNetConv.Tests.Support;

/// <summary>
/// The generic layer test (Keras' layer_test): build for an input shape, then check the built output shape, the
/// parameter counts, forward and backward shapes for other batch sizes, determinism and gradient accumulation.
/// </summary>
public static class LayerHarness
{
    /// <param name="input">(N, C, spatial...) the layer is built for</param>
    /// <param name="expectedOutput">the output shape for that input</param>
    /// <param name="trainable">number of trainable weights</param>
    /// <param name="buffers">number of non-trainable values (running statistics)</param>
    public static void Check(ILayer layer, Shape input, Shape expectedOutput, long trainable, long buffers = 0, bool training = true)
    {
        var backend = new CpuBackend();
        Assert.False(layer.IsBuilt);
        Assert.Equal(expectedOutput, layer.Build(backend, input));
        Assert.True(layer.IsBuilt);
        Assert.Equal(expectedOutput, layer.OutputShape);
        Assert.Equal(input, layer.InputShape);

        Assert.Equal(trainable, layer.Parameters.Where(p => p.Trainable).Sum(p => (long)p.Size));
        Assert.Equal(buffers, layer.Parameters.Where(p => !p.Trainable).Sum(p => (long)p.Size));
        foreach (var p in layer.Parameters)
        {
            if (p.Trainable) Assert.Equal(p.Shape, p.Grad!.Shape);
            else Assert.Null(p.Grad);
        }

        // Building again for the same sample shape is a no-op, whatever the batch.
        var parameters = layer.Parameters.ToArray();
        Assert.Equal(expectedOutput.WithBatch(5), layer.Build(backend, input.WithBatch(5)));
        Assert.Equal(parameters, layer.Parameters);

        var stochastic = GradientCheck.StochasticLayers(layer);
        float[] ForwardValues(Tensor x)
        {
            foreach (var s in stochastic) s.SetSeed(7);
            return layer.Forward(x, training).ToArray();
        }

        foreach (int batch in new[] { 1, input.N + 2 })
        {
            var random = new RandomStream((ulong)batch, "layer harness");
            // x: (batch, C, spatial...) of the built sample shape.
            using var x = backend.Allocate(input.WithBatch(batch));
            x.CopyFrom(Values.Uniform()(x.Size, random));
            var y = layer.Forward(x, training);
            Assert.Equal(expectedOutput.WithBatch(batch), y.Shape);
            Assert.All(y.ToArray(), v => Assert.True(float.IsFinite(v)));
            Assert.Equal(ForwardValues(x), ForwardValues(x));

            // dy: (batch, output sample shape...).
            using var dy = backend.Allocate(expectedOutput.WithBatch(batch));
            dy.CopyFrom(Values.Uniform()(dy.Size, random));
            var once = Gradients(layer, x, dy, stochastic, training, zero: true, out var inputGrad);
            if (layer.InputGradRequired)
            {
                Assert.NotNull(inputGrad);
                Assert.Equal(x.Shape, inputGrad.Shape);
            }

            // Backward adds to the parameter gradients: a second pass doubles them exactly.
            var twice = Gradients(layer, x, dy, stochastic, training, zero: false, out _);
            for (int k = 0; k < once.Length; k++)
                Assert.Equal(once[k].Select(g => 2 * g), twice[k]);
        }
    }

    /// <summary>Forward, backward, and the trainable parameters' gradients afterwards.</summary>
    private static float[][] Gradients(ILayer layer, Tensor x, Tensor dy, IReadOnlyList<IStochasticLayer> stochastic, bool training, bool zero,
        out Tensor? inputGrad)
    {
        var trainable = layer.Parameters.Where(p => p.Trainable).ToArray();
        if (zero)
            foreach (var p in trainable) x.Backend.Elementwise.Fill(p.Grad!, 0f);
        foreach (var s in stochastic) s.SetSeed(7);
        layer.Forward(x, training);
        inputGrad = layer.Backward(dy);
        return trainable.Select(p => p.Grad!.ToArray()).ToArray();
    }
}
