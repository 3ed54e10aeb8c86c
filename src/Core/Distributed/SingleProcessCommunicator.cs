namespace MlNetConv.Distributed;

/// <summary>A job of one process: every collective is the identity (a sum over one rank, a gather of one part).</summary>
public sealed class SingleProcessCommunicator : ICommunicator
{
    public static SingleProcessCommunicator Instance { get; } = new();

    public int Rank => 0;
    public int Size => 1;

    public void AllReduceSum(Span<float> values) { }

    public void AllReduceSum(Span<double> values) { }

    public void AllGather(ReadOnlySpan<float> send, Span<float> receive)
    {
        if (receive.Length != send.Length)
            throw new ArgumentException($"AllGather: {send.Length} values from 1 rank need a receive span of {send.Length}, got {receive.Length}.", nameof(receive));
        send.CopyTo(receive);
    }

    public void Broadcast(Span<byte> values, int root) => CheckRoot(root);

    public void Broadcast(Span<float> values, int root) => CheckRoot(root);

    public byte[]? Gather(ReadOnlySpan<byte> send, int root)
    {
        CheckRoot(root);
        return send.ToArray();
    }

    public void Barrier() { }

    public void Abort(int exitCode) => Environment.Exit(exitCode);

    public void Dispose() { }

    private static void CheckRoot(int root)
    {
        if (root != 0) throw new ArgumentOutOfRangeException(nameof(root), root, "A job of one process has only rank 0.");
    }
}
