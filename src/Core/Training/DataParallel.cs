using MlNetConv.Distributed;
using MlNetConv.Graphs;
using MlNetConv.Losses;
using MlNetConv.Tensors;

namespace MlNetConv.Training;

/// <summary>
/// One data-parallel training step up to the optimizer (see <see cref="DistributedOptions"/>): the global batch is cut
/// into shards (one per rank, or <see cref="DistributedOptions.Shards"/> in the deterministic mode), each rank runs its
/// shards forward and backward with the loss gradient scaled by the shard's share of the batch, so that the sum over the
/// shards is the gradient of the batch's mean loss; then the gradients are summed over the ranks and the batch-norm
/// running statistics averaged. Shard p of a batch of n holds its samples [p·n/S, (p+1)·n/S) and draws its augmentation
/// and dropout from (seed, step, p), so a shard computes the same whichever rank runs it.
/// </summary>
internal sealed class DataParallel
{
    private readonly Network _network;
    private readonly TrainerOptions _options;
    private readonly DistributedOptions _distributed;
    private readonly ICommunicator _comm;
    private readonly WeightedSumLoss _loss;
    private readonly Parameter[] _gradients, _buffers;
    private readonly int _gradientSize, _partSize, _shards, _ownShards;

    /// <summary>Fast mode: gradients then buffers, summed in place. Deterministic: this rank's parts, one after another.</summary>
    private readonly float[] _own;

    /// <summary>Deterministic mode: every part, in part order; the buffers' values before the step.</summary>
    private readonly float[] _all, _savedBuffers;
    private readonly double[] _metrics = new double[4];

    public DataParallel(Network network, IReadOnlyList<Parameter> updated, TrainerOptions options, WeightedSumLoss loss)
    {
        _network = network;
        _options = options;
        _distributed = options.Distributed!;
        _comm = _distributed.Communicator;
        _loss = loss;
        _gradients = [.. updated];
        _buffers = [.. network.Parameters.Where(p => !p.Trainable)];
        _gradientSize = checked(_gradients.Sum(p => p.Size));
        _partSize = checked(_gradientSize + _buffers.Sum(p => p.Size));
        _shards = _distributed.ShardCount;
        _ownShards = _shards / _comm.Size;
        _own = new float[checked(_partSize * _ownShards)];
        _all = _distributed.Deterministic ? new float[checked(_partSize * _shards)] : [];
        _savedBuffers = _distributed.Deterministic ? new float[_partSize - _gradientSize] : [];
    }

    public int Rank => _comm.Rank;

    /// <summary>Rank 0's weights and buffers on every rank, so that all start from the same model.</summary>
    public void BroadcastWeights()
    {
        foreach (var p in _network.Parameters)
        {
            var values = p.Value.ToArray();
            _comm.Broadcast(values, 0);
            p.Value.CopyFrom(values);
        }
    }

    /// <summary>Whether any rank's token is cancelled: every rank then stops at the same step.</summary>
    public bool AnyCancelled(CancellationToken token)
    {
        return _comm.Sum(token.IsCancellationRequested ? 1 : 0) > 0;
    }

    /// <summary>
    /// Forward and backward of this rank's shards of the global batch <paramref name="indices"/>, then the gradients
    /// summed and the statistics averaged over the job; returns the batch's mean loss and its labelled items predicted
    /// right, over every rank. The optimizer step is left to the caller.
    /// </summary>
    public (double Loss, (int Hits, int Items) Correct) Step(IDataset train, ReadOnlySpan<int> indices, long step, BatchBuffers batch)
    {
        _metrics.AsSpan().Clear();
        int first = _comm.Rank * _ownShards;
        if (_distributed.Deterministic) Download(_buffers, _savedBuffers);
        else _network.ZeroGrad();
        for (int k = 0; k < _ownShards; k++)
        {
            int shard = first + k;
            if (_distributed.Deterministic)
            {
                _network.ZeroGrad();
                Upload(_savedBuffers, _buffers);
            }
            RunShard(train, indices, shard, step, batch);
            if (_distributed.Deterministic) DownloadPart(_own.AsSpan(k * _partSize, _partSize));
        }
        if (!_distributed.Deterministic) DownloadPart(_own);

        _comm.AllReduceSum(_metrics);
        double loss = _metrics[0] / indices.Length;
        if (!double.IsFinite(loss)) return (loss, default);

        if (_distributed.Deterministic) SumPartsInOrder();
        else SumOverRanks();
        return (loss, ((int)_metrics[2], (int)_metrics[3]));
    }

    /// <summary>Forward and backward of one shard; adds its loss sum and hits to the step's metrics.</summary>
    private void RunShard(IDataset train, ReadOnlySpan<int> indices, int shard, long step, BatchBuffers batch)
    {
        int n = indices.Length, start = (int)((long)shard * n / _shards), end = (int)((long)(shard + 1) * n / _shards);
        if (end == start) return;
        // A batch of one shard draws as the trainer of one process does, so a job of one rank trains exactly like it.
        ulong seed = _options.Seed;
        batch.Load(train, indices[start..end], _options.Augmentation, _options.Normalization,
            _shards == 1 ? RandomStream.Combine(seed, (ulong)step, 2) : RandomStream.Combine(seed, (ulong)step, 2, (ulong)shard));
        _network.SetStepSeed(_shards == 1 ? seed : RandomStream.Combine(seed, 3, (ulong)shard), step);
        var outputs = _network.ForwardAll(batch.Input, training: true);
        var (loss, grads) = _loss.Compute(outputs, batch.Targets);
        float share = (float)((double)(end - start) / n);
        foreach (var grad in grads)
            if (grad is not null && share != 1f) grad.Backend.Elementwise.Scale(grad, share);
        _network.BackwardAll(grads);
        var (hits, items) = batch.Correct(outputs[0]);
        _metrics[0] += loss * (end - start);
        _metrics[1] += end - start;
        _metrics[2] += hits;
        _metrics[3] += items;
    }

    /// <summary>Gradients (already each shard's share of the mean) summed, running statistics averaged, bucket by bucket.</summary>
    private void SumOverRanks()
    {
        for (int at = 0; at < _own.Length; at += _distributed.BucketSize)
            _comm.AllReduceSum(_own.AsSpan(at, Math.Min(_distributed.BucketSize, _own.Length - at)));
        var buffers = _own.AsSpan(_gradientSize);
        float ranks = _comm.Size;
        for (int i = 0; i < buffers.Length; i++) buffers[i] /= ranks;
        UploadPart(_own);
    }

    /// <summary>Every part on every rank, gradients added in part order and statistics averaged in double: the same bits for any rank count.</summary>
    private void SumPartsInOrder()
    {
        _comm.AllGather(_own, _all);
        var sum = _all.AsSpan(0, _partSize);
        for (int p = 1; p < _shards; p++)
        {
            var part = _all.AsSpan(p * _partSize, _gradientSize);
            for (int i = 0; i < _gradientSize; i++) sum[i] += part[i];
        }
        for (int i = _gradientSize; i < _partSize; i++)
        {
            double total = 0;
            for (int p = 0; p < _shards; p++) total += _all[p * _partSize + i];
            sum[i] = (float)(total / _shards);
        }
        UploadPart(sum);
    }

    /// <param name="part">the gradients of the updated weights, then the buffers' values</param>
    private void DownloadPart(Span<float> part)
    {
        Download(_gradients, part[.._gradientSize], grad: true);
        Download(_buffers, part[_gradientSize..]);
    }

    private void UploadPart(ReadOnlySpan<float> part)
    {
        Upload(part[.._gradientSize], _gradients, grad: true);
        Upload(part[_gradientSize..], _buffers);
    }

    private void Download(Parameter[] parameters, Span<float> destination, bool grad = false)
    {
        int at = 0;
        foreach (var p in parameters)
        {
            _network.Backend.Download(grad ? p.Grad! : p.Value, destination.Slice(at, p.Size));
            at += p.Size;
        }
    }

    private void Upload(ReadOnlySpan<float> source, Parameter[] parameters, bool grad = false)
    {
        int at = 0;
        foreach (var p in parameters)
        {
            _network.Backend.Upload(source.Slice(at, p.Size), grad ? p.Grad! : p.Value);
            at += p.Size;
        }
    }
}
