using System.Text.Json.Nodes;
using MlNetConv.Tensors;

namespace MlNetConv.Layers;

/// <summary>
/// Softmax over the channel axis of (N, C) or (N, C, spatial...): at every position the C outputs are positive and sum to
/// one. For a classifier's output when probabilities are wanted; a network trained with the cross-entropy loss ends
/// before it (the loss applies its own softmax).
/// </summary>
public sealed class Softmax(string? name = null) : Layer(name)
{
    private Tensor? _output, _inputGrad;

    protected override Shape OnBuild(Shape input) => input;

    public override LayerStats Stats => LayerStats.PerElement(OutputShape.Size, 3);

    public override Tensor Forward(Tensor input, bool training)
    {
        CheckInput(input);
        var output = Reuse(ref _output, input.Shape);
        Backend.Loss.Softmax(input, output);
        return output;
    }

    /// <summary>
    /// dL/dx_c = y_c (dL/dy_c - Σ_k y_k dL/dy_k) at every position. The sum runs across channels, which no kernel family
    /// reduces over, so it is computed on the host from downloaded values (a classifier's last layer: small).
    /// </summary>
    public override Tensor? Backward(Tensor outputGrad)
    {
        if (!InputGradRequired) return null;
        var y = Saved(_output, Name).ToArray();
        var dy = outputGrad.ToArray();
        int n = outputGrad.Shape.N, c = outputGrad.Shape.C, s = outputGrad.Shape.SpatialSize;
        var dx = new float[dy.Length];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < s; j++)
            {
                double dot = 0;
                for (int k = 0; k < c; k++) dot += (double)y[(i * c + k) * s + j] * dy[(i * c + k) * s + j];
                for (int k = 0; k < c; k++)
                {
                    int at = (i * c + k) * s + j;
                    dx[at] = (float)(y[at] * (dy[at] - dot));
                }
            }
        var inputGrad = Reuse(ref _inputGrad, outputGrad.Shape);
        inputGrad.CopyFrom(dx);
        return inputGrad;
    }

    public override void WriteConfig(JsonObject config) { }

    public override string ToString() => "Softmax(dim=1)";
}
