using MlNetConv.Distributed;
using MlNetConv.Graphs;
using MlNetConv.Optimizers;
using MlNetConv.Tensors;
using MlNetConv.Tests.Shared;
using MlNetConv.Tests.Training;
using MlNetConv.Training;

namespace MlNetConv.Tests.Distributed;

/// <summary>
/// Data-parallel training: in this process with the single-process communicator, and as 2-rank Open MPI jobs of
/// tests/MlNetConv.MpiWorker (which trains a batch-normalised CNN with dropout and writes its weights).
/// </summary>
public sealed class DataParallelTrainingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mlnetconv-mpi-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Worker => Path.Combine(AppContext.BaseDirectory.Replace("MlNetConv.Core.Tests", "MlNetConv.MpiWorker"), "MlNetConv.MpiWorker.dll");

    private static Network TinyNetwork() => new(new NetworkBuilder()
        .Conv2d(4, 3, padding: 1).BatchNorm2d().ReLU().MaxPool2d(2).Flatten().Dropout(0.2f).Dense(3).Build(), new Shape(1, 6, 6), seed: 3);

    private static TrainerOptions Options(DistributedOptions? distributed) => new()
    {
        Epochs = 2, BatchSize = 16, Seed = 11, Optimizer = new SgdOptions(0.05f, 0.9f, 1e-4f), Distributed = distributed,
    };

    private static float[] Weights(Network n) => [.. n.Parameters.SelectMany(p => p.Value.ToArray())];

    private static float[] Train(DistributedOptions? distributed)
    {
        using var network = TinyNetwork();
        new Trainer(network, Options(distributed)).Fit(TrainerTests.Bars(100, 1));
        return Weights(network);
    }

    [Fact]
    public void AJobOfOneRankTrainsExactlyAsOneProcess()
    {
        var plain = Train(null);
        Assert.Equal(plain, Train(new DistributedOptions(SingleProcessCommunicator.Instance)));
        Assert.Equal(plain, Train(new DistributedOptions(SingleProcessCommunicator.Instance) { Deterministic = true }));
        Assert.Equal(plain, Train(new DistributedOptions(SingleProcessCommunicator.Instance) { BucketSize = 7 }));
    }

    [Fact]
    public void DeterministicShardsComputeAloneAndStillLearn()
    {
        var plain = Train(null);
        var sharded = Train(new DistributedOptions(SingleProcessCommunicator.Instance) { Deterministic = true, Shards = 4 });
        Assert.NotEqual(plain, sharded); // batch normalisation sees 4 samples at a time, not 16
        using var network = TinyNetwork();
        var trainer = new Trainer(network, Options(new DistributedOptions(SingleProcessCommunicator.Instance) { Deterministic = true, Shards = 4 }) with { Epochs = 6 });
        trainer.Fit(TrainerTests.Bars(300, 1));
        Assert.True(trainer.Evaluate(TrainerTests.Bars(90, 99)).Accuracy >= 0.9);
    }

    [Fact]
    public void ShardsThatAShortLastBatchLeavesEmptyAddNothing()
    {
        // 18 samples in batches of 16: the last batch's 2 samples go to shards 1 and 3 of 4; shards 0 and 2 are empty.
        using var network = TinyNetwork();
        var distributed = new DistributedOptions(SingleProcessCommunicator.Instance) { Deterministic = true, Shards = 4 };
        var result = new Trainer(network, Options(distributed)).Fit(TrainerTests.Bars(18, 1));
        Assert.All(result.History, e => Assert.True(double.IsFinite(e.Loss)));
        Assert.All(Weights(network), w => Assert.True(float.IsFinite(w)));
    }

    [Theory]
    [InlineData(false, 3, "Shards apply to the deterministic mode only")]
    [InlineData(true, 0, "Shards must be positive")]
    [InlineData(true, 32, "cannot give each of 32 shards a sample")]
    public void InvalidOptionsAreRejected(bool deterministic, int shards, string message)
    {
        using var network = TinyNetwork();
        var e = Assert.Throws<ArgumentException>(() => new Trainer(network, Options(new DistributedOptions(SingleProcessCommunicator.Instance) { Deterministic = deterministic, Shards = shards })));
        Assert.Contains(message, e.Message);
    }

    [SkippableFact]
    public void StartingMpiOutsideALauncherSaysHowToLaunch()
    {
        Skip.If(MpiCommunicator.IsLaunched, "this test host runs under an MPI launcher itself");
        var e = Assert.Throws<InvalidOperationException>(() => MpiCommunicator.Start());
        Assert.Contains("mpirun -np 2", e.Message);
    }

    [SkippableFact]
    public async Task EveryCollectiveCombinesTheRanksInRankOrder()
    {
        string file = Path.Combine(_dir, "collectives.txt");
        await MpiJob.RunOk(2, Worker, "collectives", file);
        Assert.Equal("size 2\nsums 3 30\ndoubles 1.5\ngathered 0 0 1 -1\nbroadcast 42\nbytes ABB\n", File.ReadAllText(file));
    }

    [SkippableFact]
    public async Task TwoRanksInTheDeterministicModeGiveTheWeightsOfOneProcessBitForBit()
    {
        string Out(string name) => Path.Combine(_dir, name);
        await Task.WhenAll(
            MpiJob.RunOk(2, Worker, "train", Out("two-ranks-2.bin"), "deterministic", "2"),
            MpiJob.RunOk(0, Worker, "train", Out("one-process-2.bin"), "deterministic", "2"));
        await Task.WhenAll(
            MpiJob.RunOk(2, Worker, "train", Out("two-ranks-4.bin"), "deterministic", "4"),
            MpiJob.RunOk(0, Worker, "train", Out("one-process-4.bin"), "deterministic", "4"));
        await MpiJob.RunOk(2, Worker, "train", Out("two-ranks-fast.bin"), "fast");
        byte[] twoRanks = File.ReadAllBytes(Out("two-ranks-2.bin"));
        Assert.Equal(4 * TinyNetwork().Parameters.Sum(p => p.Size), twoRanks.Length);
        Assert.Equal(File.ReadAllBytes(Out("one-process-2.bin")), twoRanks);
        Assert.Equal(File.ReadAllBytes(Out("one-process-4.bin")), File.ReadAllBytes(Out("two-ranks-4.bin")));
        Assert.NotEqual(twoRanks, File.ReadAllBytes(Out("two-ranks-4.bin")));
        // Two ranks' allreduce adds two values, which float addition does in either order alike.
        Assert.Equal(twoRanks, File.ReadAllBytes(Out("two-ranks-fast.bin")));
    }
}
