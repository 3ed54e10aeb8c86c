using System.Diagnostics;
using System.Globalization;
using MlNetConv.Distributed;
using MlNetConv.Graphs;
using MlNetConv.Optimizers;
using MlNetConv.Tensors;
using MlNetConv.Training;
using MlNetConv.Zoo;

// Data-parallel training throughput of ResNet-20 (3x32x32, 10 classes, synthetic data: throughput does not depend on
// the pixels) at one global batch size, alone or as the ranks of an MPI job (run.sh runs both), then the time of an
// allreduce of the network's gradient and of messages of other sizes, for the cost model of docs/scale-out.md.
//   dotnet exec DistributedBench.dll [STEPS] [GLOBAL_BATCH]
namespace MlNetConv.Bench.Distributed;

internal static class Program
{
    private static int Main(string[] args)
    {
        int steps = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 12;
        int batch = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 64;
        using var comm = MpiCommunicator.IsLaunched ? MpiCommunicator.Start() : (ICommunicator)SingleProcessCommunicator.Instance;
        var inv = CultureInfo.InvariantCulture;

        var sample = new Shape(3, 32, 32);
        int warmup = 2, count = (steps + warmup) * batch;
        var labels = Enumerable.Range(0, count).Select(i => i % 10).ToArray();
        var data = new InMemoryDataset(RandomValues.Uniform(count * sample.Size, 7), labels, sample);
        using var network = new Network(Architectures.CifarResNet(20), sample, seed: 1);
        var stepEnds = new List<double>();
        var clock = Stopwatch.StartNew();
        var options = new TrainerOptions
        {
            Epochs = 1, BatchSize = batch, Seed = 3, Optimizer = new SgdOptions(0.05f, 0.9f, 5e-4f), CheckpointEvery = null,
            Distributed = comm.Size > 1 ? new DistributedOptions(comm) : null,
            Progress = new Progress(p => { if (!p.EpochCompleted) stepEnds.Add(clock.Elapsed.TotalMilliseconds); }),
        };
        new Trainer(network, options).Fit(data);
        var stepMs = stepEnds.Zip(stepEnds.Skip(1), (a, b) => b - a).Skip(warmup - 1).ToArray();
        double step = Median(stepMs);

        // The gradient as DataParallel sums it: every trainable weight, then the batch-norm statistics.
        int gradient = network.Parameters.Sum(p => p.Size);
        double allreduce = AllReduceMs(comm, gradient, 30);
        if (comm.Rank == 0)
        {
            Console.WriteLine($"ranks {comm.Size} x threads {Environment.ProcessorCount}, ResNet-20 3x32x32, global batch {batch}, {stepMs.Length} steps timed");
            Console.WriteLine($"step median {step.ToString("F1", inv)} ms ({string.Join(' ', stepMs.Select(s => s.ToString("F0", inv)))}), {(batch / step * 1000).ToString("F1", inv)} images/s");
            if (comm.Size > 1)
                Console.WriteLine($"allreduce of the gradient ({gradient} floats, {gradient * 4 / 1024.0:F0} KiB) median {allreduce.ToString("F2", inv)} ms, {(allreduce / step * 100).ToString("F1", inv)} % of the step");
        }
        if (comm.Size > 1)
            foreach (int floats in new[] { 1, 1 << 10, 1 << 14, 1 << 16, 1 << 18, 1 << 20, 1 << 22 })
            {
                double ms = AllReduceMs(comm, floats, floats >= 1 << 20 ? 10 : 30);
                if (comm.Rank == 0) Console.WriteLine($"allreduce {floats,8} floats ({floats * 4.0 / (1 << 20),8:F3} MiB): {ms.ToString("F3", inv)} ms");
            }
        return 0;
    }

    /// <summary>The median time of an allreduce of <paramref name="floats"/> values, after a barrier each time.</summary>
    private static double AllReduceMs(ICommunicator comm, int floats, int repeats)
    {
        var values = new float[floats];
        var times = new double[repeats];
        comm.AllReduceSum(values);
        for (int r = 0; r < repeats; r++)
        {
            comm.Barrier();
            long start = Stopwatch.GetTimestamp();
            comm.AllReduceSum(values);
            times[r] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        // Every rank reports rank 0's view: the slowest rank decides when the sum is complete.
        return Median(times);
    }

    private static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private sealed class Progress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
