using MlNetConv.Distributed;
using MlNetConv.Graphs;
using MlNetConv.Optimizers;
using MlNetConv.Tensors;
using MlNetConv.Training;

// The rank side of the distributed tests (tests/MlNetConv.Core.Tests/Distributed): started by mpirun, or alone for the
// one-process reference, it runs one scenario and rank 0 writes what the test compares.
//   collectives OUT                 every collective with rank-dependent values; rank 0 writes what it saw
//   train OUT MODE [SHARDS]          trains a small batch-normalised CNN with dropout data-parallel (MODE fast or
//                                    deterministic); rank 0 writes every weight and buffer as raw floats
using var comm = args.Length > 0 && MpiCommunicator.IsLaunched ? MpiCommunicator.Start() : (ICommunicator)SingleProcessCommunicator.Instance;
switch (args[0])
{
    case "collectives":
        var sums = new float[] { comm.Rank + 1, 10 * (comm.Rank + 1) };
        comm.AllReduceSum(sums);
        var doubles = new double[] { 0.5 * (comm.Rank + 1) };
        comm.AllReduceSum(doubles);
        var gathered = new float[2 * comm.Size];
        comm.AllGather([comm.Rank, -comm.Rank], gathered);
        var broadcast = new float[] { comm.Rank == 0 ? 42 : 0 };
        comm.Broadcast(broadcast, 0);
        var bytes = comm.Gather(Enumerable.Repeat((byte)(65 + comm.Rank), comm.Rank + 1).ToArray(), 0);
        comm.Barrier();
        if (comm.Rank == 0)
            File.WriteAllText(args[1], $"size {comm.Size}\nsums {string.Join(' ', sums)}\ndoubles {string.Join(' ', doubles)}\ngathered {string.Join(' ', gathered)}\nbroadcast {broadcast[0]}\nbytes {System.Text.Encoding.ASCII.GetString(bytes!)}\n");
        if (comm.Rank != 0 && broadcast[0] != 42) throw new InvalidOperationException($"rank {comm.Rank} got broadcast {broadcast[0]}");
        break;
    case "train":
        using (var network = SmallNetwork())
        {
            var distributed = new DistributedOptions(comm) { Deterministic = args[2] == "deterministic", Shards = args.Length > 3 ? int.Parse(args[3]) : null };
            var options = new TrainerOptions
            {
                Epochs = 2, BatchSize = 20, Seed = 5, Optimizer = new SgdOptions(0.05f, 0.9f, 1e-4f), Schedule = LearningRateSchedules.Cosine(2),
                CheckpointPath = args[1] + ".checkpoint", Distributed = distributed,
            };
            new Trainer(network, options).Fit(Bars(130, 1));
            if (comm.Rank == 0)
                File.WriteAllBytes(args[1], [.. network.Parameters.SelectMany(p => p.Value.ToArray()).SelectMany(BitConverter.GetBytes)]);
        }
        break;
    default:
        throw new ArgumentException($"Unknown scenario '{args[0]}'.");
}

static Network SmallNetwork() => new(new NetworkBuilder()
    .Conv2d(4, 3, padding: 1).BatchNorm2d().ReLU().MaxPool2d(2).Flatten().Dropout(0.2f).Dense(3).Build(), new Shape(1, 6, 6), seed: 3);

static InMemoryDataset Bars(int count, ulong seed) => MlNetConv.Tests.Shared.BarDataset.Bars(count, seed);
