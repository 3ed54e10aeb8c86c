using MlNetConv.Tensors;

namespace MlNetConv.Onnx;

/// <summary>What <see cref="OnnxImport"/> needs beyond the file.</summary>
public sealed record OnnxImportOptions
{
    /// <summary>
    /// One sample's shape (C, spatial...) where the model leaves input dimensions symbolic (a PyTorch export with dynamic
    /// height and width); it must agree with every dimension the model fixes. Null: the model's own. The batch is always
    /// free: the network takes any N, whether the model declares it symbolic or fixes it (CNTK fixes it at 1).
    /// </summary>
    public Shape? SampleShape { get; init; }

    /// <summary>
    /// The folder that external-data locations are relative to when the model is read from a stream or bytes (a file's
    /// own folder otherwise). Null: such a model may not refer to external data.
    /// </summary>
    public string? ExternalDataDirectory { get; init; }
}
