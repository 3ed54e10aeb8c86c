using MlNetConv.Distributed;

// The rank side of the distributed tests (tests/MlNetConv.Core.Tests/Distributed): started by mpirun, or alone for the
// one-process reference, it runs one scenario and rank 0 writes what the test compares.
//   collectives OUT       every collective with rank-dependent values; rank 0 writes what it saw
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
    default:
        throw new ArgumentException($"Unknown scenario '{args[0]}'.");
}
