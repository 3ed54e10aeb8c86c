namespace MlNetConv.Distributed;

/// <summary>
/// The processes of one data-parallel job and the collective operations between them (MPI's vocabulary): every rank
/// calls the same operations in the same order with the same sizes, and each call returns once its part is done.
/// <see cref="SingleProcessCommunicator"/> is the job of one; <see cref="MpiCommunicator"/> is a job launched by
/// <c>mpirun</c> or <c>srun</c>. A rank that throws between two collectives leaves the others waiting in the next one:
/// callers on a real job end it with <see cref="Abort"/>.
/// </summary>
public interface ICommunicator : IDisposable
{
    /// <summary>This process's index, 0 … <see cref="Size"/> − 1; rank 0 writes files and reports progress.</summary>
    int Rank { get; }

    /// <summary>How many processes the job has.</summary>
    int Size { get; }

    /// <summary>Replaces <paramref name="values"/> on every rank by their element-wise sum over the ranks.</summary>
    void AllReduceSum(Span<float> values);

    /// <inheritdoc cref="AllReduceSum(Span{float})"/>
    void AllReduceSum(Span<double> values);

    /// <summary>
    /// Every rank's <paramref name="send"/> (the same length everywhere) into <paramref name="receive"/> on every rank,
    /// rank 0's first: <paramref name="receive"/> is <see cref="Size"/> × that length.
    /// </summary>
    void AllGather(ReadOnlySpan<float> send, Span<float> receive);

    /// <summary>Copies <paramref name="values"/> of rank <paramref name="root"/> into the same span of every other rank.</summary>
    void Broadcast(Span<byte> values, int root);

    /// <inheritdoc cref="Broadcast(Span{byte}, int)"/>
    void Broadcast(Span<float> values, int root);

    /// <summary>
    /// Every rank's <paramref name="send"/> (of any length, empty too) concatenated in rank order on rank
    /// <paramref name="root"/>, which gets the bytes; the other ranks get null.
    /// </summary>
    byte[]? Gather(ReadOnlySpan<byte> send, int root);

    /// <summary>Returns once every rank has called it.</summary>
    void Barrier();

    /// <summary>Ends every process of the job with <paramref name="exitCode"/> (after a rank failed alone); does not return on a real job.</summary>
    void Abort(int exitCode);
}
