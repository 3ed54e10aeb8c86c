using System.Diagnostics;
using MlNetConv.Graphs;
using MlNetConv.Layers;
using MlNetConv.Optimizers;
using MlNetConv.Training;

namespace MlNetConv.Samples.LectureFigures;

/// <summary>One training run of the four-layer network: its training-error curve, test error and time.</summary>
internal sealed record ConvergenceRun(string Activation, float LearningRate, TrainingErrorRecorder Curve, double TestError, TimeSpan Time);

/// <summary>
/// AlexNet's Figure 1 (Krizhevsky, Sutskever and Hinton 2012): a four-layer convolutional network with ReLUs reaches 25 %
/// training error on CIFAR-10 six times faster than the same network with tanh. Here on Fashion-MNIST: two 5x5
/// convolutions (16 and 32 channels, each followed by the activation and 2x2 max pooling) and two dense layers (128, 10);
/// the same initial weights (each drawn from the seed and its name), data order and SGD with momentum 0.9 on batches of
/// 128, without regularisation, as in the paper; each activation with the learning rate (of a few tried) that reaches
/// 25 % soonest, as the paper chose its rates "to make training as fast as possible".
/// </summary>
internal static class ReluVersusTanh
{
    public const double TargetError = 0.25;
    public const int BatchSize = 128, WindowsPerEpoch = 50, Epochs = 1;
    public const ulong Seed = 1;
    public static readonly string[] Activations = ["ReLU", "tanh"];
    public static readonly float[] LearningRates = [0.01f, 0.03f, 0.1f];

    /// <summary>Every run of <see cref="Activations"/> × <see cref="LearningRates"/>, printed as a table as it ends.</summary>
    public static IReadOnlyList<ConvergenceRun> Run(IDataset train, IDataset test)
    {
        Console.WriteLine($"four-layer network: {Summary.ModelSummary.Of(FourLayerCnn("ReLU"), train.SampleShape).TotalParameters:N0} weights; " +
            $"the same initial weights for ReLU and tanh: {(SameInitialWeights(train) ? "yes" : "NO")}");
        Console.WriteLine($"training error: the share of training images misclassified as the network trains on them (as cuda-convnet " +
            $"reported it for the paper), over windows of 1/{WindowsPerEpoch} epoch ({train.Count / WindowsPerEpoch:N0} images); " +
            $"epochs to an error: the end of the first window at or below it; {Epochs} epoch(s) per run, learning rates {string.Join(", ", LearningRates)}");
        Console.WriteLine($"{"activation",-10} {"learning rate",13} {"epochs to 25 %",14} {"to 20 %",8} {"to 15 %",8} {"error at the end",16} {"test error",10} {"time",7}");
        var runs = new List<ConvergenceRun>();
        foreach (var activation in Activations)
            foreach (var rate in LearningRates)
            {
                var run = Train(activation, rate, Epochs, train, test);
                runs.Add(run);
                Console.WriteLine($"{activation,-10} {rate,13} {EpochsText(run, TargetError),14} {EpochsText(run, 0.20),8} {EpochsText(run, 0.15),8} " +
                    $"{run.Curve.Points[^1].Error,16:P1} {run.TestError,10:P2} {run.Time.TotalSeconds,6:F1}s");
            }
        return runs;
    }

    /// <summary>The run of an activation that reaches <see cref="TargetError"/> soonest (among those that reach it).</summary>
    public static ConvergenceRun? Fastest(IReadOnlyList<ConvergenceRun> runs, string activation) =>
        runs.Where(r => r.Activation == activation && r.Curve.EpochsTo(TargetError) is not null).MinBy(r => r.Curve.EpochsTo(TargetError));

    public static void PrintComparison(IReadOnlyList<ConvergenceRun> runs)
    {
        var relu = Fastest(runs, "ReLU");
        var tanh = Fastest(runs, "tanh");
        if (relu is null || tanh is null)
        {
            Console.WriteLine($"25 % training error not reached within {Epochs} epoch(s) by {(relu is null ? "ReLU" : "tanh")} at any learning rate tried");
            return;
        }
        double reluEpochs = relu.Curve.EpochsTo(TargetError)!.Value, tanhEpochs = tanh.Curve.EpochsTo(TargetError)!.Value;
        if (reluEpochs < 1 && tanhEpochs < 1)
            Console.WriteLine($"both reach 25 % within the first epoch on Fashion-MNIST (on CIFAR-10 the paper's networks needed several epochs), " +
                $"so the count is in {WindowsPerEpoch}ths of an epoch, the running error on the images just trained on standing for the per-epoch error");
        Console.WriteLine($"each at its fastest learning rate: ReLU ({relu.LearningRate}) reaches 25 % training error after {reluEpochs:F2} epochs, " +
            $"tanh ({tanh.LearningRate}) after {tanhEpochs:F2}: tanh needs {tanhEpochs / reluEpochs:F2} times the epochs ReLU needs " +
            "(the paper, on CIFAR-10: about 6 times)");
    }

    private static string EpochsText(ConvergenceRun run, double error) => run.Curve.EpochsTo(error) is { } e ? e.ToString("F2") : "-";

    public static ILayer FourLayerCnn(string activation)
    {
        NetworkBuilder Activate(NetworkBuilder b, string name) => activation == "ReLU" ? b.ReLU(name) : b.Tanh(name);
        var b = new NetworkBuilder().Conv2d(16, 5, padding: 2, name: "conv1");
        b = Activate(b, "act1").MaxPool2d(2, name: "pool1").Conv2d(32, 5, padding: 2, name: "conv2");
        b = Activate(b, "act2").MaxPool2d(2, name: "pool2").Flatten("flatten").Dense(128, name: "fc1");
        return Activate(b, "act3").Dense(10, name: "fc2").Build($"four_layer_{activation.ToLowerInvariant()}");
    }

    public static ConvergenceRun Train(string activation, float learningRate, int epochs, IDataset train, IDataset test)
    {
        var clock = Stopwatch.StartNew();
        using var network = new Network(FourLayerCnn(activation), train.SampleShape, seed: Seed);
        var curve = new TrainingErrorRecorder(train.Count, BatchSize, WindowsPerEpoch);
        var trainer = new Trainer(network, new TrainerOptions
        {
            Epochs = epochs,
            BatchSize = BatchSize,
            Seed = Seed,
            Optimizer = new SgdOptions(learningRate, Momentum: 0.9f),
            Normalization = FashionMnist.Normalization,
            Progress = curve,
        });
        trainer.Fit(train);
        double testError = 1 - trainer.Evaluate(test).Accuracy;
        return new ConvergenceRun(activation, learningRate, curve, testError, clock.Elapsed);
    }

    /// <summary>The first weights of both networks, to show that they start from the same point.</summary>
    public static bool SameInitialWeights(IDataset train)
    {
        using var relu = new Network(FourLayerCnn("ReLU"), train.SampleShape, seed: Seed);
        using var tanh = new Network(FourLayerCnn("tanh"), train.SampleShape, seed: Seed);
        return relu.Parameters.Zip(tanh.Parameters).All(p => p.First.Name == p.Second.Name && p.First.Value.ToArray().SequenceEqual(p.Second.Value.ToArray()));
    }
}
