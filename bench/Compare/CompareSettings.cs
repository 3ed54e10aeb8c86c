namespace MlNetConv.Bench.Compare;

/// <summary>What every case needs to know about this run.</summary>
/// <param name="Quick">fewer repetitions (the whole run in under three minutes)</param>
/// <param name="Threads">threads of every engine: MlNetConv's thread pool, TorchSharp's and ONNX Runtime's intra-op pools</param>
/// <param name="PeakGflops">the FMA loop's GFLOP/s on all threads, measured at the start</param>
/// <param name="TorchUnavailable">null when TorchSharp loaded, else why it did not</param>
/// <param name="FashionMnistFolder">folder of the Fashion-MNIST IDX files</param>
internal sealed record CompareSettings(bool Quick, int Threads, double PeakGflops, string? TorchUnavailable, string FashionMnistFolder)
{
    public bool TorchAvailable => TorchUnavailable is null;

    /// <summary>Repetitions of a case: the quick count or the full one.</summary>
    public int Runs(int quick, int full) => Quick ? quick : full;
}
