using MlNetConv.Backends.Cpu;
using MlNetConv.Layers;
using MlNetConv.Tensors;

namespace MlNetConv.Tests.Support;

/// <summary>
/// The generic layer test (Keras' layer_test): build for an input shape, then check the built output shape, the
/// parameter counts, forward and backward shapes for other batch sizes, determinism and gradient accumulation.
/// Graphs with several outputs are run through all of them.
/// </summary>
public static class LayerHarness
{
    /// <param name="input">(N, C, spatial...) the layer is built for</param>
    /// <param name="expectedOutput">the (first) output shape for that input</param>
    /// <param name="trainable">number of trainable weights</param>
    /// <param name="buffers">number of non-trainable values (running statistics)</param>
    /// <param name="minBatch">the smaller of the two batch sizes run through (the other is input.N + 2)</param>
    public static void Check(ILayer layer, Shape input, Shape expectedOutput, long trainable, long buffers = 0, bool training = true, int minBatch = 1)
    {
        var backend = new CpuBackend();
        Assert.False(layer.IsBuilt);
        Assert.Equal(expectedOutput, layer.Build(backend, input));
        Assert.True(layer.IsBuilt);
        Assert.Equal(expectedOutput, layer.OutputShape);
        Assert.Equal(input, layer.InputShape);
        var outputShapes = LayerTree.OutputShapes(layer);

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

        var stochastic = LayerTree.StochasticLayers(layer);
        IReadOnlyList<Tensor> Forward(Tensor x)
        {
            foreach (var s in stochastic) s.SetSeed(7);
            return LayerTree.ForwardAll(layer, x, training);
        }

        foreach (int batch in new[] { minBatch, input.N + 2 })
        {
            var random = new RandomStream((ulong)batch, "layer harness");
            // x: (batch, C, spatial...) of the built sample shape.
            using var x = backend.Allocate(input.WithBatch(batch));
            x.CopyFrom(Values.Uniform()(x.Shape, random));
            var y = Forward(x).Select(t => t.ToArray()).ToArray();
            Assert.Equal(outputShapes.Select(s => s.WithBatch(batch)), Forward(x).Select(t => t.Shape));
            Assert.All(y.SelectMany(v => v), v => Assert.True(float.IsFinite(v)));
            Assert.Equal(y, Forward(x).Select(t => t.ToArray()));

            // dy: one gradient per output, (batch, output sample shape...).
            var dy = outputShapes.Select(s =>
            {
                var grad = backend.Allocate(s.WithBatch(batch));
                grad.CopyFrom(Values.Uniform()(grad.Shape, random));
                return grad;
            }).ToArray();
            var trainableParameters = layer.Parameters.Where(p => p.Trainable).ToArray();
            foreach (var p in trainableParameters) backend.Elementwise.Fill(p.Grad!, 0f);
            Forward(x);
            var inputGrad = LayerTree.BackwardAll(layer, dy);
            if (layer.InputGradRequired)
            {
                Assert.NotNull(inputGrad);
                Assert.Equal(x.Shape, inputGrad.Shape);
            }
            var once = trainableParameters.Select(p => p.Grad!.ToArray()).ToArray();

            // Backward adds to the parameter gradients: a second pass doubles them (up to float32 rounding).
            Forward(x);
            LayerTree.BackwardAll(layer, dy);
            for (int k = 0; k < once.Length; k++)
            {
                var twice = trainableParameters[k].Grad!.ToArray();
                for (int i = 0; i < twice.Length; i++) Assert.Equal(2.0 * once[k][i], twice[i], 1e-5 * Math.Max(1, Math.Abs(2.0 * once[k][i])));
            }
            foreach (var grad in dy) grad.Dispose();
        }
    }
}
