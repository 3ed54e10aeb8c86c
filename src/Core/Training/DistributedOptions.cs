using MlNetConv.Distributed;

namespace MlNetConv.Training;

/// <summary>
/// Data-parallel training over the ranks of a job (<c>mpirun -np N</c>): every rank runs the same trainer on the same
/// data with the same options; each takes its shard of every global batch of <see cref="TrainerOptions.BatchSize"/>
/// samples, and the gradients (the loss's mean over the global batch) are summed over the ranks before every rank takes
/// the same optimizer step. Batch normalisation normalises with each shard's own statistics (as PyTorch's DDP does);
/// its running statistics are averaged over the shards after every step, so every rank holds the same model. Only rank
/// 0 reports progress and writes checkpoints. Every rank reads the data and the checkpoint to resume from, and evaluates
/// the validation set in full.
/// </summary>
public sealed record DistributedOptions
{
    public DistributedOptions(ICommunicator communicator) => Communicator = communicator ?? throw new ArgumentNullException(nameof(communicator));

    public ICommunicator Communicator { get; init; }

    /// <summary>
    /// Sums the gradients in a fixed order, so that the weights do not depend on the rank count: the global batch is cut
    /// into <see cref="Shards"/> equal parts, every part's gradient and statistics are computed alone (each rank computes
    /// its own parts one after another), gathered on every rank and added in part order. A job of any rank count that
    /// divides <see cref="Shards"/> (one process included) then ends with the same weights, bit for bit. It costs a
    /// gather of every part's gradients instead of a sum: meant for checks and small models. Off: one sum over the ranks,
    /// whose float rounding follows MPI's reduction order.
    /// </summary>
    public bool Deterministic { get; init; }

    /// <summary>Parts of each global batch in the <see cref="Deterministic"/> mode (a multiple of the rank count); null: the rank count.</summary>
    public int? Shards { get; init; }

    /// <summary>Gradient values summed by one allreduce call (the rest of the network in further calls): 4 MiB of floats by default.</summary>
    public int BucketSize { get; init; } = 1 << 20;

    internal int ShardCount => Deterministic ? Shards ?? Communicator.Size : Communicator.Size;

    internal void Validate(int batchSize)
    {
        int size = Communicator.Size;
        if (BucketSize <= 0) throw new ArgumentException($"The allreduce bucket size must be positive, got {BucketSize}.");
        if (Shards is { } shards && !Deterministic) throw new ArgumentException("Shards apply to the deterministic mode only; set Deterministic = true or leave Shards unset.");
        if (Shards is <= 0) throw new ArgumentException($"Shards must be positive, got {Shards}.");
        if (ShardCount % size != 0)
            throw new ArgumentException($"The deterministic mode cuts each batch into {ShardCount} shards, which the job's {size} ranks cannot share equally; use a rank count that divides it.");
        if (batchSize < ShardCount)
            throw new ArgumentException($"A global batch of {batchSize} samples cannot give each of {ShardCount} shards a sample; raise the batch size or use fewer ranks.");
    }
}
