namespace MlNetConv.Distributed;

/// <summary>Collectives of single values, on top of <see cref="ICommunicator"/>'s span ones.</summary>
public static class CommunicatorExtensions
{
    /// <summary>Rank <paramref name="root"/>'s <paramref name="value"/>, on every rank (a seed drawn on rank 0, for instance).</summary>
    public static int Broadcast(this ICommunicator communicator, int value, int root = 0)
    {
        Span<byte> bytes = stackalloc byte[sizeof(int)];
        BitConverter.TryWriteBytes(bytes, value);
        communicator.Broadcast(bytes, root);
        return BitConverter.ToInt32(bytes);
    }

    /// <summary>The sum of every rank's <paramref name="value"/>, on every rank.</summary>
    public static double Sum(this ICommunicator communicator, double value)
    {
        Span<double> sum = [value];
        communicator.AllReduceSum(sum);
        return sum[0];
    }
}
