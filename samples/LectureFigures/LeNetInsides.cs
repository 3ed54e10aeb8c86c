using MlNetConv.Graphs;
using MlNetConv.Inspection;
using MlNetConv.Plots;
using MlNetConv.Preprocessing;

namespace MlNetConv.Samples.LectureFigures;

/// <summary>
/// Inside the trained LeNet-5: its first convolution's six 5x5 filters and what each layer computes from one held-out
/// test digit, read node by node by the <see cref="NetworkInspector"/> from the normalised digit, as training saw digits.
/// </summary>
internal static class LeNetInsides
{
    /// <summary>The layers whose outputs are drawn: the feature maps of both stages and the ten class scores.</summary>
    public static readonly string[] Shown = ["conv1", "relu1", "pool1", "conv2", "relu2", "pool2", "fc3"];

    /// <param name="digit">(1, 28, 28), pixels in [0, 1]</param>
    public static (IReadOnlyList<ActivationLayer> Layers, float[] Probabilities) Record(Network network, ReadOnlySpan<float> digit)
    {
        var input = digit.ToArray();
        ChannelNormalization.Mnist.Apply(input, network.SampleShape, 1);
        var inspector = new NetworkInspector(network);
        var values = inspector.Record(input);
        var layers = Shown.Select(name => inspector[name]).Select(n => new ActivationLayer(n.Path, values[n.Index], n.OutputShape)).ToArray();
        var logits = values[inspector.Output];
        double max = logits.Max(), sum = logits.Sum(v => Math.Exp(v - max));
        return (layers, logits.Select(v => (float)(Math.Exp(v - max) / sum)).ToArray());
    }
}
