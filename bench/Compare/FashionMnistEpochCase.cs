using System.Diagnostics;
using MlNetConv.Data;
using MlNetConv.Graphs;
using MlNetConv.Optimizers;
using MlNetConv.Tensors;
using MlNetConv.Training;
using MlNetConv.Zoo;
using TorchSharp;
using static TorchSharp.torch.nn;

namespace MlNetConv.Bench.Compare;

/// <summary>
/// One epoch of LeNet-5 on Fashion-MNIST's 60,000 training images, then accuracy on its 10,000 test images, with one
/// recipe on both sides: batch 64, SGD learning rate 0.01 with momentum 0.9, inputs scaled to [0, 1] and normalised with
/// the training set's mean 0.2860 and standard deviation 0.3530 (once, before timing), a shuffled order per epoch, the
/// same initial weights. MlNetConv trains through its <see cref="Trainer"/>; the time is the epoch's, evaluation apart.
/// </summary>
internal static class FashionMnistEpochCase
{
    public const string DefaultFolder = "/usr/share/datasets/fashion-mnist";
    private const float Mean = 0.2860f, Std = 0.3530f;
    private const int Batch = 64;
    private static readonly Shape Sample = new(1, 28, 28);

    public static void Run(CompareSettings settings)
    {
        string folder = settings.FashionMnistFolder;
        string[] files = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"];
        var missing = files.Where(f => !File.Exists(Path.Combine(folder, f))).ToArray();
        if (missing.Length > 0)
        {
            Console.WriteLine($"# skipped fashion_mnist_lenet5_epoch: {string.Join(", ", missing)} not found in {folder} " +
                "(apt-get install dataset-fashion-mnist, or pass --data DIR)");
            return;
        }
        var (trainImages, trainLabels) = Load(folder, "train");
        var (testImages, testLabels) = Load(folder, "t10k");
        var train = new InMemoryDataset(trainImages, trainLabels, Sample);
        var test = new InMemoryDataset(testImages, testLabels, Sample);
        using var peer = settings.TorchAvailable ? new TorchEpoch(trainImages, trainLabels, testImages, testLabels) : null;

        int runs = settings.Runs(1, 3);
        var oursSeconds = new List<double>();
        var peerSeconds = new List<double>();
        var oursAccuracy = new List<double>();
        var peerAccuracy = new List<double>();
        for (int r = 0; r < runs; r++)
        {
            using var network = new Network(Architectures.LeNet5(), Sample, seed: 1);
            var model = peer?.CreateModel(network);
            void Ours()
            {
                var trainer = new Trainer(network, new TrainerOptions { Epochs = 1, BatchSize = Batch, Seed = 1, Optimizer = new SgdOptions(0.01f, 0.9f) });
                var clock = Stopwatch.StartNew();
                trainer.Fit(train);
                oursSeconds.Add(clock.Elapsed.TotalSeconds);
                oursAccuracy.Add(trainer.Evaluate(test).Accuracy);
            }
            void Peer()
            {
                var (seconds, accuracy) = peer!.Train(model!, seed: 1 + r);
                peerSeconds.Add(seconds);
                peerAccuracy.Add(accuracy);
            }
            if (r % 2 == 1 && peer is not null) Peer();
            Ours();
            if (r % 2 == 0 && peer is not null) Peer();
            model?.Dispose();
        }
        string? reason = settings.TorchUnavailable;
        Measurement.Print("fashion_mnist_lenet5_epoch", Median(oursSeconds), TorchSharpPeer.Name, peer is null ? null : Median(peerSeconds), Unit.Seconds,
            [("runs", runs.ToString(System.Globalization.CultureInfo.InvariantCulture))], reason);
        Measurement.Print("fashion_mnist_lenet5_test_accuracy", Median(oursAccuracy), TorchSharpPeer.Name, peer is null ? null : Median(peerAccuracy),
            Unit.Accuracy, reason: reason);
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <summary>Normalised images (count × 784) and labels.</summary>
    private static (float[] Images, int[] Labels) Load(string folder, string prefix)
    {
        var images = IdxFile.ReadImages(Path.Combine(folder, $"{prefix}-images-idx3-ubyte.gz"));
        var labels = IdxFile.ReadLabels(Path.Combine(folder, $"{prefix}-labels-idx1-ubyte.gz"));
        var pixels = images.Data.Span;
        var values = new float[pixels.Length];
        for (int i = 0; i < values.Length; i++) values[i] = (pixels[i] / 255f - Mean) / Std;
        var classes = labels.Data.ToArray().Select(b => (int)b).ToArray();
        return (values, classes);
    }

    /// <summary>The TorchSharp side: the data as tensors, an epoch of shuffled mini-batches, and test accuracy.</summary>
    private sealed class TorchEpoch(float[] trainImages, int[] trainLabels, float[] testImages, int[] testLabels) : IDisposable
    {
        private readonly torch.Tensor _trainX = torch.tensor(trainImages, [trainLabels.Length, 1, 28, 28]);
        private readonly torch.Tensor _trainY = torch.tensor(trainLabels.Select(l => (long)l).ToArray(), [trainLabels.Length]);
        private readonly torch.Tensor _testX = torch.tensor(testImages, [testLabels.Length, 1, 28, 28]);
        private readonly torch.Tensor _testY = torch.tensor(testLabels.Select(l => (long)l).ToArray(), [testLabels.Length]);

        public Module<torch.Tensor, torch.Tensor> CreateModel(Network initial)
        {
            var model = TorchLeNet.Create();
            TorchLeNet.CopyWeights(initial, model);
            return model;
        }

        public (double Seconds, double Accuracy) Train(Module<torch.Tensor, torch.Tensor> model, int seed)
        {
            int count = trainLabels.Length;
            var order = Enumerable.Range(0, count).Select(i => (long)i).ToArray();
            new Random(seed).Shuffle(order);
            using var permutation = torch.tensor(order, [count]);
            using var loss = CrossEntropyLoss();
            var optimizer = torch.optim.SGD(model.parameters(), 0.01, momentum: 0.9);
            model.train();
            var clock = Stopwatch.StartNew();
            for (int start = 0; start < count; start += Batch)
            {
                using var scope = torch.NewDisposeScope();
                var indices = permutation.narrow(0, start, Math.Min(Batch, count - start));
                optimizer.zero_grad();
                var output = model.forward(_trainX.index_select(0, indices));
                loss.forward(output, _trainY.index_select(0, indices)).backward();
                optimizer.step();
            }
            double seconds = clock.Elapsed.TotalSeconds;
            return (seconds, Accuracy(model));
        }

        private double Accuracy(Module<torch.Tensor, torch.Tensor> model)
        {
            model.eval();
            using var noGrad = torch.no_grad();
            long correct = 0, count = testLabels.Length;
            for (long start = 0; start < count; start += 1000)
            {
                using var scope = torch.NewDisposeScope();
                long n = Math.Min(1000, count - start);
                var predicted = model.forward(_testX.narrow(0, start, n)).argmax(1);
                correct += predicted.eq(_testY.narrow(0, start, n)).sum().item<long>();
            }
            model.train();
            return (double)correct / count;
        }

        public void Dispose()
        {
            _trainX.Dispose();
            _trainY.Dispose();
            _testX.Dispose();
            _testY.Dispose();
        }
    }
}
