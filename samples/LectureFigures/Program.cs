// The lecture's experiments, each printing its numbers and writing its figure as PNG:
//  1. AlexNet's Figure 1 (ReLU against tanh in a four-layer CNN, training error against epochs), on Fashion-MNIST;
//  2. LeNet-5's robustness to noise, rotation, scaling, translation and elastic distortion, max against average pooling,
//     on the bundled MNIST digits (8,000 to train, the held-out 2,000 to test);
//  3. the trained LeNet-5's first-layer filters and a test digit's activations through the layers.
// Fixed seeds: the same run prints the same numbers (times apart) and draws the same figures.
// Usage: dotnet run -c Release --project samples/LectureFigures -- [--output DIR] [--fashion-mnist DIR]
// The figures go to docs/figures/lecture/ in the repository by default; Fashion-MNIST is read from the Debian package
// dataset-fashion-mnist (/usr/share/datasets/fashion-mnist).
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using MlNetConv.Data;
using MlNetConv.Samples.LectureFigures;
using MlNetConv.Training;
using MlNetConv.Zoo;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
var options = LectureOptions.Parse(args);
var clock = Stopwatch.StartNew();
Console.WriteLine($"host: {LectureOptions.CpuName()}, {Environment.ProcessorCount} logical cores, {RuntimeInformation.OSDescription}, .NET {Environment.Version}");
Directory.CreateDirectory(options.Output);
var figures = new List<string>();

Console.WriteLine();
Console.WriteLine("1. AlexNet's Figure 1, ReLU against tanh: here on Fashion-MNIST (60,000 training images), not CIFAR-10");
var fashionTrain = FashionMnist.Load(options.FashionMnist, "train");
var fashionTest = FashionMnist.Load(options.FashionMnist, "t10k");
var runs = ReluVersusTanh.Run(fashionTrain, fashionTest);
ReluVersusTanh.PrintComparison(runs);
if (ReluVersusTanh.Fastest(runs, "ReLU") is { } fastestRelu && ReluVersusTanh.Fastest(runs, "tanh") is { } fastestTanh)
    figures.Add(LectureCharts.ReluVersusTanh(options.Output, fastestRelu, fastestTanh));

Console.WriteLine();
Console.WriteLine("2. LeNet-5's robustness, max against average pooling: bundled MNIST digits, 8,000 to train, the held-out 2,000 to test");
var mnist = MnistDigits.Load(MnistDigits.FindDefault());
var (trainDigits, trainLabels) = LeNetRobustness.Read(mnist, 0, LeNetRobustness.TrainCount);
var (testDigits, testLabels) = LeNetRobustness.Read(mnist, LeNetRobustness.TrainCount, mnist.Count - LeNetRobustness.TrainCount);
var mnistTrain = new InMemoryDataset(trainDigits, trainLabels, Distortion.Digit);
using var maxPool = LeNetRobustness.Train("max pooling", Architectures.LeNet5(), mnistTrain);
using var averagePool = LeNetRobustness.Train("average pooling", LeNetRobustness.AveragePoolingLeNet5(), mnistTrain);
Console.WriteLine($"trained {LeNetRobustness.Epochs} epochs each: max pooling in {maxPool.Time.TotalSeconds:F1} s, average pooling in {averagePool.Time.TotalSeconds:F1} s");
var robustness = LeNetRobustness.Measure(maxPool, averagePool, testDigits, testLabels);
LeNetRobustness.Print(robustness);
// The first held-out 7: a digit whose shape changes visibly under every distortion.
int shownDigit = Array.IndexOf(testLabels, 7);
figures.Add(LectureCharts.Robustness(options.Output, robustness));
figures.Add(LectureCharts.DistortionExamples(options.Output, testDigits, shownDigit));

Console.WriteLine();
Console.WriteLine("3. Inside the trained LeNet-5 (max pooling): first-layer filters and a test digit's activations");
var digit = testDigits.AsSpan(shownDigit * Distortion.Digit.Size, Distortion.Digit.Size);
var (layers, probabilities) = LeNetInsides.Record(maxPool.Network, digit);
Console.WriteLine($"test digit {LeNetRobustness.TrainCount + shownDigit} (a {testLabels[shownDigit]}): predicted {Array.IndexOf(probabilities, probabilities.Max())} " +
    $"with p = {probabilities.Max():F4}; layers: {string.Join(", ", layers.Select(l => $"{l.Name} {l.Shape}"))}");
var conv1 = maxPool.Network["conv1.weight"].Value;
Console.WriteLine($"conv1 filters {conv1.Shape}, weights from {conv1.ToArray().Min():F3} to {conv1.ToArray().Max():F3}");
figures.Add(LectureCharts.Filters(options.Output, conv1.ToArray(), conv1.Shape));
figures.Add(LectureCharts.Activations(options.Output, digit, testLabels[shownDigit], layers));
figures.Add(LectureCharts.TopClasses(options.Output, digit, probabilities));

Console.WriteLine();
Console.WriteLine($"total time: {clock.Elapsed.TotalMinutes:F1} min ({clock.Elapsed.TotalSeconds:F0} s)");
Console.WriteLine("done");
foreach (var figure in figures) Console.WriteLine(Path.GetRelativePath(Directory.GetCurrentDirectory(), figure));
