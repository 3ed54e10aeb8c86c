using MlNetConv.Preprocessing;

namespace MlNetConv.Onnx;

/// <summary>What <see cref="OnnxExport"/> adds around the network.</summary>
public sealed record OnnxExportOptions
{
    /// <summary>
    /// The model's per-channel input normalisation, emitted at the input as <c>Sub</c> of <c>normalization.mean</c> then
    /// <c>Mul</c> by <c>normalization.inverse_std</c> (1 / std in float32, both (1, C, 1, ...)): the arithmetic of
    /// <see cref="ChannelNormalization.Apply"/>, so the model takes raw values as the engine's scoring does. Null: none.
    /// </summary>
    public ChannelNormalization? Normalization { get; init; }

    /// <summary>Softmax over the channel axis (axis 1) on every output: probabilities, as ML.NET's Score column gives them.</summary>
    public bool Softmax { get; init; }
}
