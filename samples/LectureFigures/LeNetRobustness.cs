using System.Diagnostics;
using MlNetConv.Data;
using MlNetConv.Graphs;
using MlNetConv.Layers;
using MlNetConv.Optimizers;
using MlNetConv.Preprocessing;
using MlNetConv.Training;
using MlNetConv.Zoo;

namespace MlNetConv.Samples.LectureFigures;

/// <summary>One LeNet-5 variant's test accuracy under a distortion at one strength.</summary>
internal sealed record RobustnessRow(Distortion Distortion, float Strength, double MaxPoolAccuracy, double AveragePoolAccuracy);

/// <summary>A trained LeNet-5 variant and the trainer that evaluates it (with its normalisation).</summary>
internal sealed record TrainedLeNet(string Name, Network Network, Trainer Trainer, TimeSpan Time) : IDisposable
{
    public void Dispose() => Network.Dispose();
}

/// <summary>
/// LeNet-5 (<see cref="Architectures.LeNet5"/>: ReLU, 2x2 max pooling) and the same network with 2x2 average pooling in
/// both pooling layers, trained alike on the first 8,000 bundled MNIST digits without augmentation (so that the
/// robustness measured is the network's, not taught by distorted training digits), then tested on the held-out 2,000
/// under each <see cref="Distortion"/> at each strength, each test digit distorted the same way for both networks.
/// </summary>
internal static class LeNetRobustness
{
    public const int TrainCount = 8000, Epochs = 15, BatchSize = 32;
    public const ulong Seed = 1, DistortionSeed = 2003;

    /// <summary>LeNet-5 with each max pooling replaced by an average pooling of the same window and name.</summary>
    public static ILayer AveragePoolingLeNet5()
    {
        var lenet = Architectures.LeNet5();
        return new Sequential(lenet.Layers.Select(l => l is MaxPool2d ? new AvgPool2d(2, name: l.Name) : l), "lenet5_avgpool");
    }

    public static TrainedLeNet Train(string name, ILayer architecture, InMemoryDataset train)
    {
        var clock = Stopwatch.StartNew();
        var network = new Network(architecture, Distortion.Digit, seed: Seed);
        var trainer = new Trainer(network, new TrainerOptions
        {
            Epochs = Epochs,
            BatchSize = BatchSize,
            Seed = Seed,
            Optimizer = new SgdOptions(LearningRate: 0.05f, Momentum: 0.9f, WeightDecay: 5e-4f),
            Schedule = LearningRateSchedules.Cosine(Epochs),
            Normalization = ChannelNormalization.Mnist,
        });
        trainer.Fit(train);
        return new TrainedLeNet(name, network, trainer, clock.Elapsed);
    }

    public static IReadOnlyList<RobustnessRow> Measure(TrainedLeNet maxPool, TrainedLeNet averagePool, float[] testDigits, int[] testLabels)
    {
        var rows = new List<RobustnessRow>();
        foreach (var distortion in Distortion.All)
            foreach (float strength in distortion.Strengths)
            {
                var distorted = new InMemoryDataset(distortion.ApplyToAll(testDigits, strength, DistortionSeed), testLabels, Distortion.Digit);
                rows.Add(new RobustnessRow(distortion, strength, maxPool.Trainer.Evaluate(distorted).Accuracy, averagePool.Trainer.Evaluate(distorted).Accuracy));
            }
        return rows;
    }

    public static void Print(IReadOnlyList<RobustnessRow> rows)
    {
        Console.WriteLine($"{"distortion",-18} {"strength",8}  {"unit",-31} {"max pooling",11} {"avg pooling",11}");
        foreach (var row in rows)
            Console.WriteLine($"{row.Distortion.Name,-18} {row.Strength,8:0.##}  {row.Distortion.Strength,-31} {row.MaxPoolAccuracy,11:F4} {row.AveragePoolAccuracy,11:F4}");
        double Mean(Func<RobustnessRow, double> accuracy) => rows.Where(r => r.Strength > 0).Average(accuracy);
        Console.WriteLine($"mean over the distorted test sets: max pooling {Mean(r => r.MaxPoolAccuracy):F4}, average pooling {Mean(r => r.AveragePoolAccuracy):F4}");
    }

    /// <summary>Digits <paramref name="start"/> … as (count, 1, 28, 28) pixels in [0, 1] and their labels.</summary>
    public static (float[] Digits, int[] Labels) Read(MnistDigits digits, int start, int count)
    {
        var pixels = new float[count * MnistDigits.PixelsPerImage];
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            digits.CopyImage(start + i, pixels.AsSpan(i * MnistDigits.PixelsPerImage, MnistDigits.PixelsPerImage));
            labels[i] = digits.Label(start + i);
        }
        return (pixels, labels);
    }
}
